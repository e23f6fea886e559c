import { readdirSync } from 'fs';
import { join, relative } from 'path';
import { cdk8sExampleDirs, cdk8sSynth } from './examples';

/** `npm run synth:examples`: synthesises every example app into its `dist/` with `cdk8s synth`. */
for (const dir of cdk8sExampleDirs()) {
  const outdir = join(dir, 'dist');
  cdk8sSynth(dir, outdir);
  for (const file of readdirSync(outdir).sort()) console.log(relative(process.cwd(), join(outdir, file)));
}
