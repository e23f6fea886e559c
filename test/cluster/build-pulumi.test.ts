import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// build-pulumi.sh looks for Go before it starts anything, so a machine that cannot build gets one
// message saying what to do, and nothing is left half-built in the cache.

test('build-pulumi.sh stops at once, with what to do, when the Go it is told to use does not exist', () => {
  const cache = mkdtempSync(join(tmpdir(), 'kubejobs-build-pulumi-'));
  try {
    const run = spawnSync('bash', [join(__dirname, 'build-pulumi.sh')], {
      encoding: 'utf-8',
      timeout: 30_000,
      env: { ...process.env, KUBEJOBS_CACHE_DIR: cache, KUBEJOBS_GO: '/nonexistent/go' },
    });
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({
      status: 1,
      stdout: '',
      stderr: "build-pulumi: ERROR: KUBEJOBS_GO is '/nonexistent/go', which is not a command: point it at a Go >= 1.25 binary, or unset it to use go on PATH.\n",
    });
    expect(readdirSync(join(cache, 'pulumi')).filter((f) => f !== '.build.lock')).toEqual([]);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test('build-pulumi.sh stops at once, naming the pin, when the versions file lacks one', () => {
  const cache = mkdtempSync(join(tmpdir(), 'kubejobs-build-pulumi-'));
  try {
    const pins = join(cache, 'PULUMI_VERSIONS');
    writeFileSync(pins, readFileSync(join(__dirname, 'pulumi', 'PULUMI_VERSIONS'), 'utf-8').split('\n').filter((l) => !l.startsWith('cli-sdk ')).join('\n'));
    const run = spawnSync('bash', [join(__dirname, 'build-pulumi.sh')], {
      encoding: 'utf-8',
      timeout: 30_000,
      // A Go that does not exist: if the missing pin did not stop the script, the Go check would, with another message.
      env: { ...process.env, KUBEJOBS_CACHE_DIR: cache, KUBEJOBS_GO: '/nonexistent/go', KUBEJOBS_PULUMI_VERSIONS: pins },
    });
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({
      status: 1,
      stdout: '',
      stderr: `build-pulumi: ERROR: 'cli-sdk' is not pinned in ${pins}: add a line 'cli-sdk <module> <version>'\n`,
    });
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
