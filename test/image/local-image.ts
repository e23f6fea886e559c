import { execFileSync } from 'child_process';
import { join } from 'path';

/** The kubejobs image built on this machine by build-image.sh, and how to run it with podman. */
export interface LocalImage {
  /** Image reference, e.g. `localhost/kubejobs:0ac8203a7d4abb20`. */
  readonly image: string;
  /** A docker-archive of the image, for `ctr images import`. */
  readonly archive: string;
  /** Runs `podman <args>` against the build's storage; returns stdout, or throws with its output. */
  podman(args: string[], options?: { allowFailure?: boolean }): { code: number; out: string };
}

/**
 * Builds (or reuses, when its inputs are unchanged) the image from ./Dockerfile with Debian's
 * buildah and a base made from Debian packages; installs the tools when missing. Takes minutes the
 * first time (see README "Image"), seconds afterwards.
 */
export function buildLocalImage(): LocalImage {
  const script = join(__dirname, 'build-image.sh');
  const out = execFileSync('bash', [script], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 40 * 60_000 });
  const values = new Map(out.trim().split('\n').map((line) => line.split('\t') as [string, string]));
  const value = (key: string) => {
    const v = values.get(key);
    if (!v) throw new Error(`build-image.sh printed no ${key}: ${out}`);
    return v;
  };
  const env = { ...process.env, CONTAINERS_CONF: value('CONTAINERS_CONF') };
  const storage = ['--root', value('ROOT'), '--runroot', value('RUNROOT'), '--storage-driver', 'overlay'];
  return {
    image: value('IMAGE'),
    archive: value('ARCHIVE'),
    podman(args, options = {}) {
      try {
        return { code: 0, out: execFileSync('podman', [...storage, ...args], { encoding: 'utf-8', env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 }) };
      } catch (err) {
        const e = err as { status?: number; stdout?: string; stderr?: string };
        if (!options.allowFailure) throw new Error(`podman ${args.join(' ')}: exit ${e.status}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
        return { code: e.status ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
      }
    },
  };
}
