import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A webhook serving certificate an operator's cert rotator keeps instead of making its own. */
export interface WebhookCerts {
  readonly dir: string;
  readonly caCert: Buffer;
  /** `ca.crt`, `ca.key`, `tls.crt`, `tls.key`: the data of the operator's webhook Secret. */
  readonly secretData: Record<string, string>;
}

/**
 * Kueue, the AppWrapper controller and the training-operator generate their webhook certificates
 * with open-policy-agent/cert-controller's rotator, for `<service>.<namespace>.svc`: useless here,
 * where the API server calls them at https://127.0.0.1. The rotator keeps a Secret it finds valid,
 * so this makes one it accepts: a CA valid for DNS name `caName` with a PKCS#1 RSA key, and a
 * serving certificate for `dnsName` (plus IP 127.0.0.1), both still valid after the rotator's
 * 90-day lookahead (10 years here; a shorter one is silently replaced by the rotator's own).
 */
export async function makeWebhookCerts(dir: string, caName: string, dnsName: string): Promise<WebhookCerts> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const f = (name: string): string => path.join(dir, name);
  const openssl = async (args: string[]): Promise<void> => {
    try {
      await execFileAsync('openssl', args);
    } catch (err) {
      throw new Error(`openssl ${args[0]} failed for ${caName}: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`);
    }
  };
  await openssl(['genrsa', '-traditional', '-out', f('ca.key'), '2048']);
  await openssl(['req', '-x509', '-new', '-key', f('ca.key'), '-days', '3650', '-sha256', '-subj', `/O=kubejobs-test/CN=${caName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    '-addext', `subjectAltName=DNS:${caName}`, '-out', f('ca.crt')]);
  await openssl(['genrsa', '-traditional', '-out', f('tls.key'), '2048']);
  await openssl(['req', '-x509', '-new', '-key', f('tls.key'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-days', '3650', '-sha256',
    '-subj', `/CN=${dnsName}`, '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment', '-addext', 'extendedKeyUsage=serverAuth',
    '-addext', `subjectAltName=DNS:${dnsName},IP:127.0.0.1`, '-out', f('tls.crt')]);
  const secretData: Record<string, string> = {};
  for (const name of ['ca.crt', 'ca.key', 'tls.crt', 'tls.key']) secretData[name] = fs.readFileSync(f(name)).toString('base64');
  return { dir, caCert: fs.readFileSync(f('ca.crt')), secretData };
}

/** Copies the serving files into `certDir`, where the operator's webhook server reads them. */
export function installServingCerts(certs: WebhookCerts, certDir: string): void {
  fs.mkdirSync(certDir, { recursive: true, mode: 0o700 });
  for (const name of ['ca.crt', 'tls.crt', 'tls.key']) fs.copyFileSync(path.join(certs.dir, name), path.join(certDir, name));
}
