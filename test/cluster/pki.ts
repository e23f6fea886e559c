import { execFile } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Paths of the throwaway PKI of one test control plane. Every file is PEM.
 *
 * Keys are ECDSA P-256: generating them takes microseconds, where RSA-2048
 * takes tens of milliseconds each, and every component (Go TLS, the
 * service-account token signer, Node's TLS) accepts them.
 */
export interface Pki {
  /** Directory holding every file below. */
  readonly dir: string;
  /** CA that signs every certificate and that clients and servers trust. */
  readonly caCert: string;
  readonly caKey: string;
  /** kube-apiserver serving certificate for 127.0.0.1 and localhost. */
  readonly servingCert: string;
  readonly servingKey: string;
  /** Client certificate CN=admin, O=system:masters (cluster-admin via RBAC). */
  readonly adminCert: string;
  readonly adminKey: string;
  /** Client certificate CN=system:kube-controller-manager (its bootstrap RBAC identity). */
  readonly controllerManagerCert: string;
  readonly controllerManagerKey: string;
  /**
   * Client certificate CN=kube-apiserver-kubelet-client, O=system:masters: what the API server
   * presents to a kubelet (`kubectl logs`, `exec`), which authenticates it by the CA.
   */
  readonly kubeletClientCert: string;
  readonly kubeletClientKey: string;
  /** Service-account token signing key (private) and verification key (public). */
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
}

interface CertRequest {
  readonly name: string;
  readonly commonName: string;
  readonly organization?: string;
  readonly usage: 'server' | 'client';
  readonly subjectAltNames?: readonly string[];
}

/**
 * Creates a fresh CA plus the serving, client and service-account keys a
 * control plane needs, using the `openssl` CLI (Node has no X.509 issuance).
 *
 * Client certificates (rather than a static token file) are used because that
 * is how envtest and real clusters authenticate components, and it gives the
 * controller-manager its real bootstrap RBAC identity.
 *
 * @param dir an existing, empty directory; files are written with mode 0600.
 */
export async function createPki(dir: string): Promise<Pki> {
  await assertOpenssl();
  const file = (name: string): string => path.join(dir, name);

  writeKey(file('ca.key'));
  await openssl(dir, 'ca', [
    '[req]', 'distinguished_name = dn', 'prompt = no', 'x509_extensions = ext',
    '[dn]', 'CN = kubejobs-test-ca',
    '[ext]',
    'basicConstraints = critical,CA:TRUE',
    'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
    'subjectKeyIdentifier = hash',
  ], ['-key', file('ca.key')]);

  const requests: CertRequest[] = [
    {
      name: 'apiserver',
      commonName: 'kube-apiserver',
      usage: 'server',
      subjectAltNames: [
        'IP:127.0.0.1', 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default',
        'DNS:kubernetes.default.svc', 'IP:10.0.0.1',
      ],
    },
    { name: 'admin', commonName: 'admin', organization: 'system:masters', usage: 'client' },
    { name: 'controller-manager', commonName: 'system:kube-controller-manager', usage: 'client' },
    { name: 'apiserver-kubelet-client', commonName: 'kube-apiserver-kubelet-client', organization: 'system:masters', usage: 'client' },
  ];
  await Promise.all(requests.map(async (req) => {
    writeKey(file(`${req.name}.key`));
    const sans = req.subjectAltNames ?? [];
    await openssl(dir, req.name, [
      '[req]', 'distinguished_name = dn', 'prompt = no', 'x509_extensions = ext',
      '[dn]',
      ...(req.organization ? [`O = ${req.organization}`] : []),
      `CN = ${req.commonName}`,
      '[ext]',
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature',
      `extendedKeyUsage = ${req.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      ...(sans.length > 0 ? [`subjectAltName = ${sans.join(',')}`] : []),
    ], ['-key', file(`${req.name}.key`), '-CA', file('ca.crt'), '-CAkey', file('ca.key')]);
  }));

  const sa = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  fs.writeFileSync(file('sa.key'), sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  fs.writeFileSync(file('sa.pub'), sa.publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o600 });

  return {
    dir,
    caCert: file('ca.crt'),
    caKey: file('ca.key'),
    servingCert: file('apiserver.crt'),
    servingKey: file('apiserver.key'),
    adminCert: file('admin.crt'),
    adminKey: file('admin.key'),
    controllerManagerCert: file('controller-manager.crt'),
    controllerManagerKey: file('controller-manager.key'),
    kubeletClientCert: file('apiserver-kubelet-client.crt'),
    kubeletClientKey: file('apiserver-kubelet-client.key'),
    serviceAccountKey: file('sa.key'),
    serviceAccountPub: file('sa.pub'),
  };
}

function writeKey(target: string): void {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  fs.writeFileSync(target, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
}

/** Issues `<name>.crt` from a generated OpenSSL config (self-signed unless -CA is passed). */
async function openssl(dir: string, name: string, config: string[], args: string[]): Promise<void> {
  const configFile = path.join(dir, `${name}.cnf`);
  fs.writeFileSync(configFile, config.join('\n') + '\n');
  try {
    // `req -x509 -CA` (OpenSSL >= 3.0) signs in one step, no CSR file needed.
    await execFileAsync('openssl', [
      'req', '-x509', '-new', '-config', configFile, '-days', '7', '-sha256',
      '-out', path.join(dir, `${name}.crt`), ...args,
    ]);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl failed to issue ${name}.crt: ${(err as Error).message}\n${stderr}`);
  }
}

let opensslChecked = false;

async function assertOpenssl(): Promise<void> {
  if (opensslChecked) {
    return;
  }
  let version: string;
  try {
    version = (await execFileAsync('openssl', ['version'])).stdout.trim();
  } catch (err) {
    throw new Error(
      'the cluster tests need the openssl CLI (>= 3.0) to create a throwaway PKI; ' +
      `install it (Debian: apt-get install openssl): ${(err as Error).message}`);
  }
  const match = /^OpenSSL (\d+)\./.exec(version);
  if (!match || Number(match[1]) < 3) {
    throw new Error(`the cluster tests need OpenSSL >= 3.0 (for 'req -x509 -CA'); found: ${version}`);
  }
  opensslChecked = true;
}
