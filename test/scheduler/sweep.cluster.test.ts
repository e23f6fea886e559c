/**
 * @jest-environment ./test/cluster/environment.ts
 */
import { Obj, paths } from './use-scheduler';
import { crdManifestOf, RADIX_BATCH } from '../../src/api';
import { KubeClient } from '../../src/controller/kube-client';
import { BatchStore } from '../../src/scheduler/store';
import { applyManifests, freshNamespace, waitForCrdsEstablished } from '../cluster/kube-helpers';
import { useControlPlane } from '../cluster/use-control-plane';

// The pending sweep against the real API server: it deletes a batch left pending only if the batch
// is still the one it saw. A request that commits the batch between the sweep's list and its
// delete keeps it (the delete carries the resourceVersion it saw as a precondition).

const plane = useControlPlane();
const LABELS = { 'app.kubernetes.io/managed-by': 'kubejobs-job-scheduler', 'radix-component': 'compute', 'radix-job-type': 'job-scheduler' };
const silent = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined } as never;

/** A client whose DELETEs first run `before` (on the real API server): the race, made certain. */
class RacingClient extends KubeClient {
  public before: (() => Promise<void>) | undefined;

  public override async delete(path: string, options: Parameters<KubeClient['delete']>[1] = {}): Promise<void> {
    const race = this.before;
    this.before = undefined;
    await race?.();
    return super.delete(path, options);
  }
}

test('a batch committed between the sweep\'s list and its delete is kept; one still pending is deleted', async () => {
  const kc = plane().kubeConfig;
  await applyManifests(kc, [crdManifestOf(RADIX_BATCH) as never]);
  await waitForCrdsEstablished(kc, [`${RADIX_BATCH.plural}.${RADIX_BATCH.group}`]);
  const namespace = await freshNamespace(kc);
  const admin = new KubeClient(kc, 'kubejobs-test');
  const definition = {
    apiVersion: 'kubejobs.dev/v1',
    kind: 'RadixJobDefinition',
    namespace,
    job: { name: 'compute', image: 'registry.example.com/compute:1.0', schedulerPort: 8000, timeLimitSeconds: 60, backoffLimit: 0 },
    objects: { labels: LABELS },
  };
  const pending = (name: string) => ({
    apiVersion: 'kubejobs.dev/v1',
    kind: 'RadixBatch',
    metadata: { name, labels: { ...LABELS, 'radix-batch-type': 'batch' }, annotations: { 'kubejobs.dev/payloads-pending': 'true' } },
    spec: { batchType: 'batch', component: definition.job, jobs: [{ name: 'aaaaaaaa' }] },
  });
  await admin.create(paths(namespace).batches, pending('batch-committed-late'));
  const client = new RacingClient(kc, 'kubejobs-test');
  const store = new BatchStore(client, definition as never, silent);
  // The request that wrote the batch commits it just as the sweep is about to delete it.
  client.before = async () => {
    await admin.mergePatch(paths(namespace).batch('batch-committed-late'), { metadata: { annotations: { 'kubejobs.dev/payloads-pending': null } } });
  };
  await store.sweepPending(0, Date.now() + 60_000);
  const kept = await admin.get<Obj>(paths(namespace).batch('batch-committed-late'));
  // Before: deleted, a committed request lost.
  expect(kept?.metadata?.deletionTimestamp).toBeUndefined();
  expect(kept?.metadata?.annotations?.['kubejobs.dev/payloads-pending']).toBeUndefined();

  await admin.create(paths(namespace).batches, pending('batch-still-pending'));
  expect(await store.sweepPending(0, Date.now() + 60_000)).toEqual(['batch-still-pending']);
  expect(await admin.get(paths(namespace).batch('batch-still-pending'))).toBeUndefined();
  expect(await admin.get(paths(namespace).batch('batch-committed-late'))).toBeDefined();
}, 120_000);
