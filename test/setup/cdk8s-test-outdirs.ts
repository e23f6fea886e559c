import * as fs from 'node:fs';
import { AppProps, Testing } from 'cdk8s';

// cdk8s's `Testing.app()` (and `Testing.chart()`, which calls it) makes a new directory under the
// OS temp dir for every app and never removes it: about a thousand empty directories per run of
// this suite. No test here writes into those directories, so they are removed after each file.
// (A test that wants files passes its own `outdir`, which is left alone.)

const made: string[] = [];
const originalApp = Testing.app.bind(Testing);

Testing.app = (props?: AppProps) => {
  const app = originalApp(props);
  if (props?.outdir === undefined) made.push(app.outdir);
  return app;
};

afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
