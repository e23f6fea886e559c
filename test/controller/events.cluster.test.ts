/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { TestApi } from './helpers';
import { EventRecorder } from '../../src/controller/events';
import { KubeObject } from '../../src/controller/kube-client';
import { createLogger } from '../../src/controller/logger';
import { freshNamespace, waitFor } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';

// Events are aggregated as client-go's recorder does: a repeat updates one Event's count and
// lastTimestamp, and the recorder's memory is bounded.

const plane = useControlPlane();

interface CoreEvent {
  metadata: { name: string };
  reason?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  involvedObject?: { uid?: string };
}

async function setUp(): Promise<{ api: TestApi; ns: string; subject: KubeObject }> {
  const kc = plane().kubeConfig;
  const api = new TestApi(kc);
  const ns = await freshNamespace(kc);
  const subject = await api.client.create<KubeObject>(`/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'subject' } });
  return { api, ns, subject: { ...subject, apiVersion: 'v1', kind: 'ConfigMap' } };
}

test('the same event five times is one Event with count 5; another message is another Event', async () => {
  const { api, ns, subject } = await setUp();
  const recorder = new EventRecorder(api.client, 'kubejobs-test', 'host', createLogger('silent'));
  await Promise.all(Array.from({ length: 5 }, () => recorder.record(subject, 'Normal', 'Pending', 'The job is pending.')));
  await recorder.record(subject, 'Normal', 'Pending', 'The job is pending.');
  await recorder.record(subject, 'Warning', 'Failed', 'something else');
  const events = await waitFor('two events', async () => {
    const list = await api.client.list<CoreEvent>(`/api/v1/namespaces/${ns}/events`);
    return list.items.length === 2 ? list.items : undefined;
  });
  const pending = events.find((e) => e.reason === 'Pending')!;
  expect(pending.count).toBe(6);
  expect(pending.involvedObject?.uid).toBe(subject.metadata?.uid);
  expect(Date.parse(pending.lastTimestamp!)).toBeGreaterThanOrEqual(Date.parse(pending.firstTimestamp!));
  expect(events.find((e) => e.reason === 'Failed')?.count).toBe(1);
});

test('an Event deleted meanwhile (expired) is created again instead of being lost', async () => {
  const { api, ns, subject } = await setUp();
  const recorder = new EventRecorder(api.client, 'kubejobs-test', 'host', createLogger('silent'));
  await recorder.record(subject, 'Normal', 'Started', 'started');
  const [first] = (await api.client.list<CoreEvent>(`/api/v1/namespaces/${ns}/events`)).items;
  await api.client.delete(`/api/v1/namespaces/${ns}/events/${first!.metadata.name}`);
  await recorder.record(subject, 'Normal', 'Started', 'started');
  const after = (await api.client.list<CoreEvent>(`/api/v1/namespaces/${ns}/events`)).items;
  expect(after.map((e) => ({ reason: e.reason, count: e.count }))).toEqual([{ reason: 'Started', count: 2 }]);
});

test('memory is bounded: the least recently used series is forgotten first', async () => {
  const { api, subject } = await setUp();
  const recorder = new EventRecorder(api.client, 'kubejobs-test', 'host', createLogger('silent'), 3);
  for (let i = 0; i < 10; i++) await recorder.record(subject, 'Normal', 'Tick', `tick ${i}`);
  expect(recorder.rememberedSeries).toBe(3);
});
