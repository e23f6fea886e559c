import * as fs from 'node:fs';
import type * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { loadClusterCredentials } from '../../src/controller/kubeconfig';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubejobs-kubeconfig-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeKubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}, file = 'config'): string {
  const p = path.join(dir, file);
  fs.writeFileSync(p, stringify({
    'apiVersion': 'v1',
    'kind': 'Config',
    'current-context': 'ctx',
    'contexts': [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }, { name: 'other', context: { cluster: 'nope', user: 'u' } }],
    'clusters': [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443', ...cluster } }],
    'users': [{ name: 'u', user }],
  }));
  return p;
}

async function requestOptions(kubeconfig: string): Promise<https.RequestOptions> {
  const options: https.RequestOptions = { headers: {} };
  await loadClusterCredentials(kubeconfig, {}).applyToHTTPSOptions(options);
  return options;
}

test('a token user: the current context\'s server and a bearer header', async () => {
  const p = writeKubeconfig({ token: 'abc' });
  expect(loadClusterCredentials(p, {}).getCurrentCluster()).toEqual({ server: 'https://127.0.0.1:6443' });
  const options = await requestOptions(p);
  expect(options.headers).toEqual({ Authorization: 'Bearer abc' });
  expect(options.rejectUnauthorized).toBe(true);
});

test('files named relative to the kubeconfig are read from its directory; inline data is base64', async () => {
  fs.writeFileSync(path.join(dir, 'ca.crt'), 'CA-PEM');
  fs.writeFileSync(path.join(dir, 'token'), 'from-file\n');
  const p = writeKubeconfig({ 'tokenFile': 'token', 'client-key-data': Buffer.from('KEY-PEM').toString('base64') }, { 'certificate-authority': 'ca.crt', 'tls-server-name': 'kubernetes' });
  const options = await requestOptions(p);
  expect(String(options.ca)).toBe('CA-PEM');
  expect(String(options.key)).toBe('KEY-PEM');
  expect(options.servername).toBe('kubernetes');
  expect(options.headers).toEqual({ Authorization: 'Bearer from-file' });
});

test('insecure-skip-tls-verify turns verification off, basic auth becomes options.auth', async () => {
  const options = await requestOptions(writeKubeconfig({ username: 'admin', password: 'pw' }, { 'insecure-skip-tls-verify': true }));
  expect(options.rejectUnauthorized).toBe(false);
  expect(options.auth).toBe('admin:pw');
});

test('an exec plugin is run with KUBERNETES_EXEC_INFO and its token used until it expires', async () => {
  const counter = path.join(dir, 'runs');
  const plugin = path.join(dir, 'plugin.sh');
  fs.writeFileSync(plugin, [
    '#!/bin/sh',
    `echo run >> ${counter}`,
    'case "$KUBERNETES_EXEC_INFO" in *ExecCredential*) ;; *) exit 3 ;; esac',
    'echo "{\\"apiVersion\\":\\"client.authentication.k8s.io/v1\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"$PLUGIN_TOKEN\\",\\"expirationTimestamp\\":\\"2999-01-01T00:00:00Z\\"}}"',
  ].join('\n'), { mode: 0o755 });
  const creds = loadClusterCredentials(writeKubeconfig({ exec: { command: plugin, env: [{ name: 'PLUGIN_TOKEN', value: 'exec-token' }] } }), {});
  for (let i = 0; i < 3; i++) {
    const options: https.RequestOptions = { headers: {} };
    await creds.applyToHTTPSOptions(options);
    expect(options.headers).toEqual({ Authorization: 'Bearer exec-token' });
  }
  expect(fs.readFileSync(counter, 'utf8').trim().split('\n')).toHaveLength(1);
});

test('a failing exec plugin fails the request with the plugin\'s message', async () => {
  const plugin = path.join(dir, 'fail.sh');
  fs.writeFileSync(plugin, '#!/bin/sh\necho "login required" >&2\nexit 1\n', { mode: 0o755 });
  await expect(requestOptions(writeKubeconfig({ exec: { command: plugin } })))
    .rejects.toThrow(`exec credential plugin '${plugin}' exited with code 1: login required`);
});

test('errors name the kubeconfig and what is missing', () => {
  const p = writeKubeconfig({ 'auth-provider': { name: 'gcp' } });
  expect(() => loadClusterCredentials(p, {})).toThrow(`kubeconfig ${p}: user 'u' uses auth-provider 'gcp', which Kubernetes removed; use an exec credential plugin or a token`);
  const text = fs.readFileSync(p, 'utf8').replace('current-context: ctx', 'current-context: other');
  fs.writeFileSync(p, text);
  expect(() => loadClusterCredentials(p, {})).toThrow(`kubeconfig ${p}: no cluster named 'nope' (current-context 'other')`);
  expect(() => loadClusterCredentials(path.join(dir, 'missing'), {})).toThrow(/ENOENT/);
});

test('lookup order: $KUBECONFIG (first existing file), then the ServiceAccount of the pod', async () => {
  const p = writeKubeconfig({ token: 'env' });
  const viaEnv = loadClusterCredentials(undefined, { KUBECONFIG: `${path.join(dir, 'absent')}:${p}` });
  const options: https.RequestOptions = { headers: {} };
  await viaEnv.applyToHTTPSOptions(options);
  expect(options.headers).toEqual({ Authorization: 'Bearer env' });

  const sa = path.join(dir, 'sa');
  fs.mkdirSync(sa);
  fs.writeFileSync(path.join(sa, 'ca.crt'), 'SA-CA');
  fs.writeFileSync(path.join(sa, 'token'), 'sa-token');
  const podEnv = { HOME: dir, KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
  const pod = loadClusterCredentials(undefined, podEnv, sa);
  expect(pod.getCurrentCluster()).toEqual({ server: 'https://10.0.0.1:443' });
  const podOptions: https.RequestOptions = { headers: {} };
  await pod.applyToHTTPSOptions(podOptions);
  expect(String(podOptions.ca)).toBe('SA-CA');
  expect(podOptions.headers).toEqual({ Authorization: 'Bearer sa-token' });
  fs.mkdirSync(path.join(dir, '.kube'));
  fs.copyFileSync(p, path.join(dir, '.kube', 'config'));
  expect(loadClusterCredentials(undefined, podEnv, sa).getCurrentCluster()).toEqual({ server: 'https://127.0.0.1:6443' }); // ~/.kube/config wins, as with kubectl
  expect(() => loadClusterCredentials(undefined, { HOME: path.join(dir, 'sa') }, sa)).toThrow('no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or run in a pod with a ServiceAccount token');
});
