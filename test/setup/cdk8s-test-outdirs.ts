import * as fs from 'node:fs';
import { AppProps, Testing } from 'cdk8s';

// cdk8s's `Testing.app()` (and `Testing.chart()`, which calls it) makes a new directory under the
// OS temp dir for every app and never removes it: about a thousand empty directories per run of
// this suite. They are removed after each file, if still empty. This hook runs before the test
// file's own top-level `afterAll` hooks (jest runs them in the order they were declared), which is
// fine: the tests here render with `synthYaml()`/`toJson()` and never write into those directories.
// (A test that wants files passes its own `outdir`, which is left alone.)

const made: string[] = [];
const originalApp = Testing.app.bind(Testing);

Testing.app = (props?: AppProps) => {
  const app = originalApp(props);
  if (props?.outdir === undefined) made.push(app.outdir);
  return app;
};

afterAll(() => {
  for (const dir of made.splice(0)) {
    try {
      fs.rmdirSync(dir); // only an empty directory: whatever a test wrote there stays
    } catch {
      // not empty, or already gone
    }
  }
});
