import * as http from 'node:http';
import type * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeClient } from '../../src/controller/kube-client';
import type { ClusterCredentials } from '../../src/controller/kubeconfig';

/** Credentials whose client certificate rotates, as an exec plugin's may. */
class RotatingCredentials implements ClusterCredentials {
  public cert = 'cert-1';
  public constructor(private readonly server: string) {}
  public getCurrentCluster() {
    return { server: this.server };
  }
  public async applyToHTTPSOptions(options: https.RequestOptions): Promise<void> {
    options.cert = this.cert;
    options.ca = Buffer.from('same CA'); // a new Buffer with the same bytes each time
  }
}

let server: http.Server;
let url: string;
beforeAll(async () => {
  server = http.createServer((_req, res) => res.setHeader('Content-Type', 'application/json').end('{"kind":"Status"}'));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});

test('the keep-alive agent is kept while the TLS material is the same, and renewed when the client certificate rotates', async () => {
  const credentials = new RotatingCredentials(url);
  const client = new KubeClient(credentials);
  const agentOf = () => (client as unknown as { agent: http.Agent }).agent;
  await client.get('/api');
  const first = agentOf();
  await client.get('/api');
  expect(agentOf()).toBe(first);
  credentials.cert = 'cert-2';
  await client.get('/api');
  expect(agentOf()).not.toBe(first);
  first.destroy();
  agentOf().destroy();
});
