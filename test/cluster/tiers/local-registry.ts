import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { TierProcesses } from './tier-processes';
import { freePorts } from '../free-port';
import { get, waitUntil } from '../readiness';

const run = promisify(execFile);

/**
 * A registry on 127.0.0.1 (`crane registry serve`, blobs on disk under a temporary directory), for
 * images the kubelet must pull: containerd's CRI speaks plain HTTP to a registry on localhost or
 * 127.0.0.1, and the node's containerd runs in this machine's network namespace, so pods pull
 * from `127.0.0.1:<port>/...` with no TLS and no change to containerd's configuration.
 */
export interface LocalRegistry {
  /** `127.0.0.1:<port>`: the registry part of the references pushed here. */
  readonly host: string;
  /** Pushes a docker-archive as `<host>/<repository>:<tag>`; returns that reference. */
  push(archive: string, repository: string, tag: string): Promise<string>;
  /** Stops the registry by PID and removes its blobs. */
  stop(): Promise<void>;
}

/** Starts a registry with `crane` (build-node.sh builds it) and waits until `/v2/` answers. */
export async function startLocalRegistry(crane: string, logsDir: string, timeoutMs = 60_000): Promise<LocalRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kj-registry-'));
  const procs = new TierProcesses(logsDir, dir);
  const [port] = await freePorts(1);
  const host = `127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await procs.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    // crane writes uploads into the --disk directory; it does not make it.
    fs.mkdirSync(path.join(dir, 'blobs'));
    const registry = procs.launch('registry', crane, ['registry', 'serve', '--address', host, '--disk', path.join(dir, 'blobs')]);
    await waitUntil(`the registry at ${host}`, Date.now() + timeoutMs, [registry], async () => (await get(`http://${host}/v2/`, {})).status === 200);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    host,
    push: async (archive, repository, tag) => {
      const reference = `${host}/${repository}:${tag}`;
      await run(crane, ['push', archive, reference], { encoding: 'utf-8', timeout: 300_000 });
      return reference;
    },
    stop,
  };
}
