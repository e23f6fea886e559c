import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { basename, join } from 'path';
import { parseAllDocuments } from 'yaml';
import { cdk8sExampleDirs, cdk8sSynth } from '../projenrc/examples';
import { validateManifest } from '../src/api';

// Every example app is synthesised with the real `cdk8s synth` and compared to its snapshot.
describe.each(cdk8sExampleDirs().map((d) => [basename(d), d]))('example %s', (_name, dir) => {
  let outdir: string;
  let files: Record<string, string>;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'kubejobs-example-'));
    cdk8sSynth(dir, outdir);
    files = Object.fromEntries(readdirSync(outdir).sort().map((f) => [f, readFileSync(join(outdir, f), 'utf-8')]));
  }, 120_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('cdk8s synth output matches the snapshot', () => {
    expect(Object.keys(files).length).toBeGreaterThan(0);
    expect(files).toMatchSnapshot();
  });

  test('every custom resource validates against its schema', () => {
    const objects = Object.values(files).flatMap((y) => parseAllDocuments(y).map((d) => d.toJS()));
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) expect({ object: `${o.kind}/${o.metadata?.name}`, errors: validateManifest(o) }).toEqual({ object: `${o.kind}/${o.metadata?.name}`, errors: [] });
  });
});
