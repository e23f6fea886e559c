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

function countingPlugin(body: string): { plugin: string; runs: () => number } {
  const counter = path.join(dir, `runs-${Math.random().toString(36).slice(2)}`);
  const plugin = path.join(dir, `plugin-${Math.random().toString(36).slice(2)}.sh`);
  fs.writeFileSync(plugin, ['#!/bin/sh', `echo run >> ${counter}`, body].join('\n'), { mode: 0o755 });
  return { plugin, runs: () => (fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8').trim().split('\n').length : 0) };
}

test('an exec plugin is run with KUBERNETES_EXEC_INFO, once for requests at the same moment, and its token used until it expires', async () => {
  const { plugin, runs } = countingPlugin([
    'case "$KUBERNETES_EXEC_INFO" in *ExecCredential*) ;; *) exit 3 ;; esac',
    'echo "{\\"apiVersion\\":\\"client.authentication.k8s.io/v1\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"$PLUGIN_TOKEN\\",\\"expirationTimestamp\\":\\"2999-01-01T00:00:00Z\\"}}"',
  ].join('\n'));
  const creds = loadClusterCredentials(writeKubeconfig({ exec: { command: plugin, env: [{ name: 'PLUGIN_TOKEN', value: 'exec-token' }] } }), {});
  const together = Array.from({ length: 5 }, () => ({ headers: {} } as https.RequestOptions));
  await Promise.all(together.map((o) => creds.applyToHTTPSOptions(o)));
  const later: https.RequestOptions = { headers: {} };
  await creds.applyToHTTPSOptions(later);
  for (const options of [...together, later]) expect(options.headers).toEqual({ Authorization: 'Bearer exec-token' });
  expect(runs()).toBe(1);
});

test('a failing exec plugin fails the request with the plugin\'s message, and is not re-run by every request', async () => {
  const { plugin, runs } = countingPlugin('echo "login required" >&2\nexit 1');
  const creds = loadClusterCredentials(writeKubeconfig({ exec: { command: plugin } }), {});
  const attempts = await Promise.allSettled([1, 2, 3].map(() => creds.applyToHTTPSOptions({ headers: {} })));
  for (const attempt of attempts) {
    expect(attempt).toMatchObject({ status: 'rejected', reason: new Error(`exec credential plugin '${plugin}' exited with code 1: login required`) });
  }
  await expect(creds.applyToHTTPSOptions({ headers: {} })).rejects.toThrow('login required');
  expect(runs()).toBe(1);
});

test('a relative exec command with a slash runs from the kubeconfig\'s directory', async () => {
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'bin', 'token.sh'), '#!/bin/sh\necho \'{"status":{"token":"relative"}}\'\n', { mode: 0o755 });
  const options = await requestOptions(writeKubeconfig({ exec: { command: './bin/token.sh' } }));
  expect(options.headers).toEqual({ Authorization: 'Bearer relative' });
});

test('errors name the kubeconfig and what is missing', () => {
  const p = writeKubeconfig({ 'auth-provider': { name: 'gcp' } });
  expect(() => loadClusterCredentials(p, {})).toThrow(`kubeconfig ${p}: user 'u' uses auth-provider 'gcp', which Kubernetes removed; use an exec credential plugin or a token`);
  const text = fs.readFileSync(p, 'utf8').replace('current-context: ctx', 'current-context: other');
  fs.writeFileSync(p, text);
  expect(() => loadClusterCredentials(p, {})).toThrow(`kubeconfig ${p}: no cluster named 'nope' (current-context 'other')`);
  expect(() => loadClusterCredentials(path.join(dir, 'missing'), {})).toThrow(/ENOENT/);
  const noCert = writeKubeconfig({ 'client-certificate': 'absent.crt' }, {}, 'no-cert');
  expect(() => loadClusterCredentials(noCert, {})).toThrow(`kubeconfig ${noCert}: client-certificate 'absent.crt' cannot be read: ENOENT`);
});

test('lookup order: $KUBECONFIG (first existing file; none existing is an error), then the pod\'s ServiceAccount, then ~/.kube/config', async () => {
  const p = writeKubeconfig({ token: 'env' });
  const viaEnv = loadClusterCredentials(undefined, { KUBECONFIG: `${path.join(dir, 'absent')}:${p}` });
  const options: https.RequestOptions = { headers: {} };
  await viaEnv.applyToHTTPSOptions(options);
  expect(options.headers).toEqual({ Authorization: 'Bearer env' });
  const absent = path.join(dir, 'absent');
  expect(() => loadClusterCredentials(undefined, { KUBECONFIG: absent, HOME: dir }))
    .toThrow(`KUBECONFIG (${absent}) names no file that exists: fix the path, or unset it to use the pod's ServiceAccount`);

  const sa = path.join(dir, 'sa');
  fs.mkdirSync(sa);
  fs.writeFileSync(path.join(sa, 'ca.crt'), 'SA-CA');
  fs.writeFileSync(path.join(sa, 'token'), 'sa-token');
  fs.mkdirSync(path.join(dir, '.kube'));
  fs.copyFileSync(p, path.join(dir, '.kube', 'config'));
  const podEnv = { HOME: dir, KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
  const pod = loadClusterCredentials(undefined, podEnv, sa);
  expect(pod.getCurrentCluster()).toEqual({ server: 'https://10.0.0.1:443' });
  const podOptions: https.RequestOptions = { headers: {} };
  await pod.applyToHTTPSOptions(podOptions);
  expect(String(podOptions.ca)).toBe('SA-CA');
  expect(podOptions.headers).toEqual({ Authorization: 'Bearer sa-token' });
  expect(loadClusterCredentials(undefined, { HOME: dir }, sa).getCurrentCluster()).toEqual({ server: 'https://127.0.0.1:6443' });
  expect(() => loadClusterCredentials(undefined, { HOME: sa }, sa)).toThrow('no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or run in a pod with a ServiceAccount token');
});

test('the namespace: the current context\'s when it names one, in a pod the ServiceAccount\'s', () => {
  const p = path.join(dir, 'config');
  const write = (namespace?: string) => fs.writeFileSync(p, stringify({
    'current-context': 'ctx',
    'contexts': [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace } }, { name: 'other', context: { cluster: 'c', user: 'u', namespace: 'not-current' } }],
    'clusters': [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
    'users': [{ name: 'u', user: { token: 't' } }],
  }));
  write('team-a');
  expect(loadClusterCredentials(p, {}).namespace).toBe('team-a');
  write(undefined);
  expect(loadClusterCredentials(p, {}).namespace).toBeUndefined();

  const sa = path.join(dir, 'sa');
  fs.mkdirSync(sa);
  fs.writeFileSync(path.join(sa, 'ca.crt'), 'SA-CA');
  fs.writeFileSync(path.join(sa, 'token'), 'sa-token');
  const podEnv = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
  expect(loadClusterCredentials(undefined, podEnv, sa).namespace).toBeUndefined();
  fs.writeFileSync(path.join(sa, 'namespace'), 'ml\n');
  expect(loadClusterCredentials(undefined, podEnv, sa).namespace).toBe('ml');
});
