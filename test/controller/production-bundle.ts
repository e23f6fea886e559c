import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
/** Inputs of the image build: a change to any of them makes a new bundle. */
const SOURCES = ['package.json', 'package-lock.json', 'tsconfig.json', 'Dockerfile', 'src', 'imports'];

function cacheRoot(): string {
  return path.join(process.env.KUBEJOBS_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'kubejobs'), 'controller-bundle');
}

function hashOf(entries: readonly string[]): string {
  const hash = createHash('sha256');
  const visit = (rel: string) => {
    const abs = path.join(ROOT, rel);
    const stat = fs.statSync(abs);
    if (stat.isDirectory()) {
      for (const child of fs.readdirSync(abs).sort()) visit(path.join(rel, child));
    } else {
      hash.update(`${rel}\0`);
      hash.update(fs.readFileSync(abs));
    }
  };
  for (const e of entries) visit(e);
  return hash.digest('hex').slice(0, 16);
}

function run(cmd: string, args: string[], cwd: string): void {
  try {
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' }, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: Buffer; stdout?: Buffer; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${e.message}\n${e.stdout?.toString().slice(-2000) ?? ''}\n${e.stderr?.toString().slice(-4000) ?? ''}`);
  }
}

/** Builds `dir` with `build(tmpDir)` once, atomically: concurrent jest workers never see half a directory. */
function once(dir: string, build: (tmp: string) => void): string {
  if (fs.existsSync(path.join(dir, '.complete'))) return dir;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  fs.mkdirSync(tmp, { recursive: true });
  try {
    build(tmp);
    fs.writeFileSync(path.join(tmp, '.complete'), new Date().toISOString());
    try {
      fs.renameSync(tmp, dir);
    } catch {
      // Another worker finished first; its result is equivalent.
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

/**
 * `npm ci --omit=dev` of this repo's lock file in a cache dir keyed by the lock file. When the lock
 * file is out of step with package.json (`npm ci` refuses with EUSAGE), falls back to
 * `npm install --omit=dev`, which still honours every locked version it has.
 */
function productionDependencies(): string {
  const lockHash = hashOf(['package.json', 'package-lock.json']);
  return once(path.join(cacheRoot(), `deps-production-${lockHash}`), (tmp) => {
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(tmp, 'package.json'));
    fs.copyFileSync(path.join(ROOT, 'package-lock.json'), path.join(tmp, 'package-lock.json'));
    const flags = ['--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'];
    try {
      run('npm', ['ci', ...flags], tmp);
    } catch (err) {
      if (!/EUSAGE|in sync/.test(String(err))) throw err;
      process.stderr.write('production-bundle: package-lock.json is out of step with package.json; using npm install --omit=dev\n');
      run('npm', ['install', ...flags], tmp);
    }
  });
}

/**
 * The production bundle of the image, built the way the Dockerfile builds it, without Docker:
 * stage 1 `tsc` into lib/ in a copy of the sources (with the checkout's `npm ci` dependencies),
 * stage 2 `npm ci --omit=dev`, stage 3 lib/ + package.json + production node_modules. Cached under ~/.cache/kubejobs/controller-bundle (or
 * $KUBEJOBS_CACHE_DIR): dependencies by the lock file's hash, the bundle by the hash of every
 * build input, so a repeat run costs a hash of src/.
 *
 * Returns the bundle directory; its `lib/cli.js` is what the image's `kubejobs` runs.
 */
export function productionBundle(): string {
  const bundleHash = hashOf(SOURCES);
  const dir = path.join(cacheRoot(), `bundle-${bundleHash}`);
  if (fs.existsSync(path.join(dir, '.complete'))) return dir;
  // Stage 1's `npm ci` is the checkout's own node_modules: CI (.ci/run) made it with `npm ci` from
  // the same lock file, and a second 500 MB install would only repeat it.
  const buildDeps = ROOT;
  const productionDeps = productionDependencies();
  return once(dir, (tmp) => {
    // Stage 1: compile in a copy with the build dependencies.
    const work = `${tmp}-build`;
    fs.mkdirSync(work);
    try {
      for (const f of ['package.json', 'package-lock.json', 'tsconfig.json']) fs.copyFileSync(path.join(ROOT, f), path.join(work, f));
      for (const d of ['src', 'imports']) fs.cpSync(path.join(ROOT, d), path.join(work, d), { recursive: true });
      fs.symlinkSync(path.join(buildDeps, 'node_modules'), path.join(work, 'node_modules'), 'dir');
      run(path.join(work, 'node_modules', '.bin', 'tsc'),
        ['-p', 'tsconfig.json', '--outDir', 'lib', '--inlineSourceMap', 'false', '--inlineSources', 'false', '--declaration', 'false'], work);
      // Stage 3: lib/ + package.json + production dependencies.
      fs.cpSync(path.join(work, 'lib'), path.join(tmp, 'lib'), { recursive: true });
      fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(tmp, 'package.json'));
      fs.chmodSync(path.join(tmp, 'lib', 'cli.js'), 0o755);
      fs.symlinkSync(path.join(productionDeps, 'node_modules'), path.join(tmp, 'node_modules'), 'dir');
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
}
