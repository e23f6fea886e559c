import * as http from 'node:http';
import * as https from 'node:https';
import { ManagedProcess } from './processes';

// Polling a server that was just started until it answers, failing early if its process dies.

/**
 * Polls `check` every 100 ms until it returns true. Fails early when one of
 * `watched` exits, and with `details()` appended when the deadline passes.
 */
export async function waitUntil(
  what: string,
  deadline: number,
  watched: readonly ManagedProcess[],
  check: () => Promise<boolean>,
  details: () => string = () => '',
): Promise<void> {
  let lastError = '';
  for (;;) {
    const dead = watched.find((p) => p.exit !== undefined);
    if (dead) {
      throw new Error(`${dead.name} exited (code ${dead.exit?.code}, signal ${dead.exit?.signal}) ` +
        `while waiting for ${what}`);
    }
    try {
      if (await check()) {
        return;
      }
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline) {
      const extra = details();
      throw new Error(`timed out waiting for ${what}` +
        (lastError ? ` (last error: ${lastError})` : '') + (extra ? `\n${extra}` : ''));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** TLS material of a readiness probe. */
export interface TlsOptions {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly rejectUnauthorized?: boolean;
  /** Request headers (e.g. `Authorization: Bearer <token>`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** One GET with a 2 s timeout; resolves with the status and body. */
export async function get(url: string, tls: TlsOptions): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const req = client.get(url, { ...tls, agent: false, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}
