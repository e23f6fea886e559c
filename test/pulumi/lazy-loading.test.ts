// `@pulumi/*` are optional peer dependencies: a cdk8s-only user installs neither, so loading
// `kubejobs` must never load them. Only `src/pulumi/` (`kubejobs/pulumi`) may.

const pulumiModules = (): string[] => Object.keys(require.cache).filter((path) => /[\\/]node_modules[\\/]@pulumi[\\/]/.test(path));

test('loading kubejobs (src/index.ts) loads no @pulumi module', () => {
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const kubejobs = require('../../src');
    expect(typeof kubejobs.GenericJob).toBe('function');
    expect(Object.keys(require.cache).some((path) => path.endsWith('/src/index.ts'))).toBe(true);
    expect(pulumiModules()).toEqual([]);
  });
});

test('loading kubejobs/pulumi (src/pulumi/index.ts) does load them, so the check above can fail', () => {
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../../src/pulumi');
    expect(pulumiModules()).toEqual(expect.arrayContaining([expect.stringMatching(/@pulumi[\\/]pulumi[\\/]/), expect.stringMatching(/@pulumi[\\/]kubernetes[\\/]/)]));
  });
});
