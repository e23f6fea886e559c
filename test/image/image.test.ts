import { buildLocalImage, LocalImage } from './local-image';

// What the image promises (Dockerfile, README "Image"), checked on the image itself, built here
// from the unchanged Dockerfile with Debian's buildah (no Docker, no registry pull) and run with
// podman + runc: both commands start, as UID/GID 65532 with no capabilities, on a read-only root
// filesystem, and write nothing at run time.

let local: LocalImage;
beforeAll(() => {
  local = buildLocalImage();
}, 45 * 60_000);

/** `podman run` of the image on a read-only root (no tmpfs on /tmp either) and no network. */
const runReadOnly = (args: string[], entrypoint?: string) => local.podman([
  'run', '--rm', '--read-only', '--read-only-tmpfs=false', '--network=none',
  ...(entrypoint ? ['--entrypoint', entrypoint] : []), local.image, ...args,
]);

test('its configuration: user 65532, entrypoint kubejobs, default command controller', () => {
  const config = JSON.parse(local.podman(['image', 'inspect', local.image, '--format', '{{json .Config}}']).out);
  expect(config).toMatchObject({ User: '65532:65532', Entrypoint: ['kubejobs'], Cmd: ['controller'], WorkingDir: '/app' });
  expect(config.Env).toContain('NODE_ENV=production');
});

test.each([
  ['controller', 'Usage: kubejobs controller [options]'],
  ['job-scheduler', 'Usage: kubejobs job-scheduler [options]'],
  // The terminal commands that read the cluster load without the constructs' peer dependencies.
  ['list', 'Usage: kubejobs list|ls [options]'],
  ['logs', 'Usage: kubejobs logs [options] <name>'],
])('`kubejobs %s --help` runs on a read-only root filesystem', (command, usage) => {
  const { code, out } = runReadOnly([command, '--help']);
  expect(code).toBe(0);
  expect(out.split('\n')[0]).toBe(usage);
});

test('it runs as UID/GID 65532 with no capabilities, and cannot write its root filesystem', () => {
  const { out } = runReadOnly(['-c', 'id -u; id -g; grep ^CapEff /proc/self/status; touch /app/x /tmp/x 2>&1; echo end'], 'sh');
  expect(out.trim().split('\n')).toEqual([
    '65532',
    '65532',
    'CapEff:\t0000000000000000',
    'touch: cannot touch \'/app/x\': Read-only file system',
    'touch: cannot touch \'/tmp/x\': Read-only file system',
    'end',
  ]);
});

test('nothing is written at run time: a writable container\'s filesystem is unchanged after both commands', () => {
  const name = `kubejobs-image-test-${process.pid}`;
  local.podman(['create', '--name', name, '--network=none', '--entrypoint', 'sh', local.image, '-c', 'kubejobs controller --help && kubejobs job-scheduler --help']);
  try {
    // What podman itself writes before the program starts (an /etc/passwd entry for UID 65532,
    // which the image does not list; podman 4.3 has no --passwd=false), so it is not counted.
    local.podman(['init', name]);
    const beforeRun = local.podman(['diff', name]).out.trim().split('\n').sort();
    expect(beforeRun.every((line) => ['C /etc', 'C /etc/passwd', 'C /etc/group', ''].includes(line))).toBe(true);
    local.podman(['start', '--attach', name]);
    expect(local.podman(['inspect', name, '--format', '{{.State.ExitCode}}']).out.trim()).toBe('0');
    expect(local.podman(['diff', name]).out.trim().split('\n').sort()).toEqual(beforeRun);
  } finally {
    local.podman(['rm', '--force', name], { allowFailure: true });
  }
});
