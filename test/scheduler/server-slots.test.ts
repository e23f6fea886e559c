import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/scheduler/server';
import type { BatchStore } from '../../src/scheduler/store';
import { waitFor } from '../cluster/kube-helpers';

const definition = {
  apiVersion: 'kubejobs.dev/v1',
  kind: 'RadixJobDefinition',
  namespace: 'ns',
  job: { name: 'compute', image: 'registry.invalid/compute:1', schedulerPort: 8000, timeLimitSeconds: 60, backoffLimit: 0, payload: { path: '/payload' } },
  objects: { labels: { app: 'compute' } },
};
/** Only what GET /api/v1/jobs reads: the routes under test never reach the cluster. */
const store = { list: async () => [], get: async () => undefined } as unknown as BatchStore;
const log = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined } as never;

let app: FastifyInstance;
let port: number;
beforeEach(async () => {
  app = await buildServer({ definition: definition as never, store, log, bodyLimitBytes: 1_048_576, maxInFlight: 2, maxWaiting: 0 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
});
afterEach(async () => {
  app.server.closeAllConnections();
  await app.close();
});

/** A client that starts a POST, sends part of its body, and waits for the test to drop it. */
async function halfSentPost(): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((connected) => socket.once('connect', connected));
  socket.write('POST /api/v1/jobs HTTP/1.1\r\nHost: scheduler\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"jobId":');
  return socket;
}

test('clients that disconnect before their request is answered give their slot back', async () => {
  const clients = [await halfSentPost(), await halfSentPost()];
  // Both slots are taken while the bodies are incomplete ...
  await waitFor('both slots held', async () => (await fetch(`http://127.0.0.1:${port}/api/v1/jobs`)).status === 503, { timeoutMs: 30_000 });
  const busy = await fetch(`http://127.0.0.1:${port}/api/v1/jobs`);
  expect(await busy.json()).toMatchObject({ code: 503, reason: 'ServiceUnavailable' });
  // ... and come back when the clients go away (before: 503 for every later request, for ever).
  for (const c of clients) c.destroy();
  await waitFor('a slot free again', async () => (await fetch(`http://127.0.0.1:${port}/api/v1/jobs`)).status === 200, { timeoutMs: 30_000 });
  // Both of them: two requests at once fit.
  const answers = await Promise.all([1, 2].map(() => fetch(`http://127.0.0.1:${port}/api/v1/jobs`)));
  expect(answers.map((a) => a.status)).toEqual([200, 200]);
});

test('incoming requests have a deadline (Node and fastify default to none)', () => {
  expect(app.server.requestTimeout).toBe(60_000);
});

describe('with a byte budget and a store that fails', () => {
  const logged: Array<{ fields: Record<string, unknown>; message: string }> = [];
  const failing = {
    list: async () => {
      throw new Error('the Kubernetes API server answered 503: etcd is unavailable');
    },
    get: async () => undefined,
  } as unknown as BatchStore;
  const capture = {
    error: (fields: Record<string, unknown>, message: string) => logged.push({ fields, message }),
    warn: () => undefined,
    info: () => undefined,
    debug: () => undefined,
  } as never;
  let small: FastifyInstance;
  let smallPort: number;
  let bodyBytes = 0;
  beforeEach(async () => {
    logged.length = 0;
    small = await buildServer({
      definition: definition as never,
      store: failing,
      log: capture,
      bodyLimitBytes: 1000,
      maxInFlight: 4,
      maxWaiting: 4,
      maxInFlightBytes: 1000,
      onBodyBytes: (n) => (bodyBytes = n),
    });
    await small.listen({ host: '127.0.0.1', port: 0 });
    smallPort = (small.server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    small.server.closeAllConnections();
    await small.close();
  });

  test('a request waits while the bodies in flight fill the byte budget, though request slots are free (before: served at once)', async () => {
    const socket = net.connect(smallPort, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((connected) => socket.once('connect', connected));
    // 1000 bytes announced, 10 sent: the whole budget is held while the rest does not come.
    socket.write('POST /api/v1/jobs HTTP/1.1\r\nHost: scheduler\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"jobId":');
    await waitFor('the first request to hold the budget', async () => bodyBytes === 1000);
    let answered = false;
    const second = fetch(`http://127.0.0.1:${smallPort}/api/v1/jobs`, { method: 'POST', body: '{"jobId": 5}', headers: { 'content-type': 'application/json' } })
      .then((r) => {
        answered = true;
        return r;
      });
    // A GET has no body and takes no bytes: it is served meanwhile, while the POST still waits.
    expect((await fetch(`http://127.0.0.1:${smallPort}/api/v1/openapi.json`)).status).toBe(200);
    expect(answered).toBe(false);
    socket.destroy();
    expect((await second).status).toBe(422);
  });

  test('a 5xx answer is logged with its method, route, code and message, never the body', async () => {
    const res = await fetch(`http://127.0.0.1:${smallPort}/api/v1/jobs`);
    expect(res.status).toBe(500);
    expect(logged).toEqual([{
      message: 'request failed',
      fields: { method: 'GET', route: '/api/v1/jobs', code: 500, reason: 'InternalError', err: 'the Kubernetes API server answered 503: etcd is unavailable' },
    }]);
  });
});
