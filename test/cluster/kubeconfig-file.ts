import * as fs from 'node:fs';

/** How a kubeconfig user authenticates: a client certificate, or a bearer token. */
export type KubeconfigCredentials =
  | { readonly certData: Buffer; readonly keyData: Buffer }
  | { readonly token: string };

/** What {@link kubeconfigYaml} writes. */
export interface KubeconfigParams {
  /** API server URL (https://..., or http://... for a test proxy). */
  readonly server: string;
  /** Name of the kubeconfig user entry (informational). */
  readonly user: string;
  /** PEM of the CA that signed the server's certificate; ignored for an http:// server. */
  readonly caData?: Buffer;
  readonly credentials: KubeconfigCredentials;
}

/**
 * A single-context kubeconfig with inline credentials (JSON is valid YAML). Inline data rather
 * than file references, so the file stays valid after the control plane's PKI directory is gone
 * and can be handed to a child process as it is.
 */
export function kubeconfigYaml(p: KubeconfigParams): string {
  const b64 = (b: Buffer): string => b.toString('base64');
  const cluster: Record<string, string | boolean> = { server: p.server };
  if (p.server.startsWith('https:') && p.caData !== undefined) {
    cluster['certificate-authority-data'] = b64(p.caData);
  }
  if (p.server.startsWith('http:')) {
    // There is no TLS to verify on plain HTTP (a test proxy on loopback), but client-node
    // refuses any http:// server unless this is set ("HTTP protocol is not allowed when
    // skipTLSVerify is not set or false").
    cluster['insecure-skip-tls-verify'] = true;
  }
  const user = 'token' in p.credentials
    ? { token: p.credentials.token }
    : { 'client-certificate-data': b64(p.credentials.certData), 'client-key-data': b64(p.credentials.keyData) };
  return JSON.stringify({
    'apiVersion': 'v1',
    'kind': 'Config',
    'clusters': [{ name: 'kubejobs-test', cluster }],
    'users': [{ name: p.user, user }],
    'contexts': [{ name: 'kubejobs-test', context: { cluster: 'kubejobs-test', user: p.user } }],
    'current-context': 'kubejobs-test',
  }, null, 2) + '\n';
}

/** Writes {@link kubeconfigYaml} to `file` (mode 0600: it holds credentials) and returns `file`. */
export function writeKubeconfig(file: string, params: KubeconfigParams): string {
  fs.writeFileSync(file, kubeconfigYaml(params), { mode: 0o600 });
  return file;
}
