import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinnedPulumiVersion } from '../../projenrc/pulumi-versions';

// The Pulumi versions kubejobs declares are the ones it tests: test/cluster/pulumi/PULUMI_VERSIONS
// is the one place the provider version is written, and the SDK ranges follow from it.

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf-8'));
const installed = (name: string) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf-8'));
const provider = pinnedPulumiVersion('provider-version');

/** The lowest version of a caret range (`^3.142.0` -> `3.142.0`); the ranges here are all carets. */
function caretFloor(range: string): string {
  const m = /^\^(\d+\.\d+\.\d+)$/.exec(range);
  if (!m) throw new Error(`expected a caret range like ^1.2.3, got '${range}'`);
  return m[1];
}
/** Whether `version` is in the caret range: same major, not below the floor. */
function inCaretRange(version: string, range: string): boolean {
  const [v, f] = [version, caretFloor(range)].map((x) => x.split('.').map(Number));
  return v[0] === f[0] && (v[1] > f[1] || (v[1] === f[1] && v[2] >= f[2]));
}

test('@pulumi/kubernetes: the tests install the SDK of the provider the engine runs, which is the peer floor', () => {
  expect(pkg.devDependencies['@pulumi/kubernetes']).toBe(provider);
  expect(installed('@pulumi/kubernetes').version).toBe(provider);
  expect(pkg.peerDependencies['@pulumi/kubernetes']).toBe(`^${provider}`);
});

test('@pulumi/pulumi: the peer floor is the lowest that @pulumi/kubernetes at its floor accepts, and the tested version is in range', () => {
  const required = installed('@pulumi/kubernetes').dependencies['@pulumi/pulumi'];
  expect(caretFloor(pkg.peerDependencies['@pulumi/pulumi'])).toBe(caretFloor(required));
  expect(inCaretRange(installed('@pulumi/pulumi').version, pkg.peerDependencies['@pulumi/pulumi'])).toBe(true);
  expect(inCaretRange('3.141.9', pkg.peerDependencies['@pulumi/pulumi'])).toBe(false);
  expect(pkg.devDependencies['@pulumi/pulumi']).toBe(pkg.peerDependencies['@pulumi/pulumi']);
});
