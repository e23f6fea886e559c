import { javascript, typescript } from 'projen';
import { pinnedPulumiVersion } from './projenrc/pulumi-versions';

/**
 * The Kubernetes provider the real-engine tests build (test/cluster/pulumi/PULUMI_VERSIONS, the only
 * one the Go module proxy serves): the `@pulumi/kubernetes` SDK the tests install is the same
 * version, so SDK and plugin agree, and it is the floor of the peer range.
 */
const PULUMI_KUBERNETES_VERSION = pinnedPulumiVersion('provider-version');
/**
 * The lowest `@pulumi/pulumi` that `@pulumi/kubernetes` ${PULUMI_KUBERNETES_VERSION} itself accepts (its
 * `dependencies`): the floor of the peer range, since no install below it is possible with that
 * SDK. kubejobs/pulumi uses nothing newer (ComponentResource, Output, all, ResourceError). The tests
 * run the version in package-lock.json (3.248.0); test/pulumi/peer-ranges.test.ts checks all this.
 */
const PULUMI_SDK_FLOOR = '3.142.0';

/** Dependencies that ship ES modules only and must be transpiled for jest. */
const ESM_ONLY_PACKAGES = ['@marcbachmann/cel-js', '@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose'];

// kubejobs is a plain TypeScript package, not jsii: the Pulumi adapter exposes `pulumi.Input<T>`
// and the runtime uses generics and index signatures, all of which jsii forbids
// (shared/reference/iac-anchors.md §3.2, option B).
const project = new typescript.TypeScriptProject({
  name: 'kubejobs',
  description: 'Typed cdk8s constructs, CRDs and a controller for Kubernetes batch and ML jobs (GenericJob, ArenaJob, AppWrapperJob, Radix job-scheduler).',
  license: 'Apache-2.0',
  authorName: 'kubejobs contributors',
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  packageManager: javascript.NodePackageManager.NPM,
  // 20.19: the first Node 20 that can require() ES modules (@kubernetes/client-node 1.x, cel-js).
  minNodeVersion: '20.19.0',
  typescriptVersion: '~5.6.0',
  sampleCode: false,
  github: false,
  release: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  prettier: false,
  docgen: false, // API.md comes from the `docgen` task below (typedoc + markdown), not projen's HTML docgen.

  // cdk8s users bring their own cdk8s, constructs and cdk8s-plus-28 (one copy per app).
  peerDeps: ['cdk8s@^2.68.12', 'constructs@^10.3.0', 'cdk8s-plus-28@^2.5.6'],
  peerDependencyOptions: { pinnedDevDependency: false },
  deps: [
    // structural validation of every custom resource at synth, from the same CRD schemas the API server uses
    'ajv@^8.17.0',
    // the CEL rules (x-kubernetes-validations) of our CRDs are evaluated at synth as well
    '@marcbachmann/cel-js@^8.0.0',
    'yaml@^2.6.0',
    // cron expressions and time zones: validated at synth, scheduled by the controller
    'croner@^11.0.0',
    // the runtime (`kubejobs controller`, `kubejobs job-scheduler`): CLI parsing, HTTP server (health,
    // metrics, the job-scheduler API), Prometheus metrics, JSON logs. No Kubernetes client library:
    // src/controller/kube-client.ts speaks JSON over HTTP, and importing client-node alone costs ~64 MiB RSS.
    'commander@^14.0.0',
    'fastify@^5.0.0',
    'prom-client@^15.1.0',
    'pino@^10.0.0',
  ],
  devDeps: [
    'cdk8s@2.70.106',
    'constructs@10.8.1',
    'cdk8s-plus-28@2.5.6',
    'json-schema-to-typescript@^16.0.0',
    'typedoc@^0.28.0',
    'typedoc-plugin-markdown@^4.14.0',
    'cdk8s-cli@^2.200.0',
    `@pulumi/pulumi@^${PULUMI_SDK_FLOOR}`,
    `@pulumi/kubernetes@${PULUMI_KUBERNETES_VERSION}`,
    'tsconfig-paths@^4.2.0',
    'jest-environment-node@^29.7.0',
    // tests talk to the harness's API server with it (1.4.x: 2.x needs Node 22)
    '@kubernetes/client-node@~1.4.0',
  ],

  tsconfig: {
    compilerOptions: {
      lib: ['es2022'],
      target: 'ES2022',
      skipLibCheck: true,
    },
  },
  tsconfigDev: {
    // isolatedModules: ts-jest then only transpiles (fast on small machines); type checking is
    // `tsc`'s job in the `typecheck` step of `test`.
    compilerOptions: { skipLibCheck: true, lib: ['es2022'], target: 'ES2022', isolatedModules: true, allowJs: true },
  },

  jestOptions: {
    // jest 30 resolves modules with unrs-resolver (same registry problem as below); 29 does not.
    jestVersion: '^29.7.0',
    // Snapshots are compared, never silently rewritten: `npm run test:update` rewrites them on purpose.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    junitReporting: false,
    jestConfig: {
      testTimeout: 60_000,
      collectCoverage: false,
      // Examples import 'kubejobs' and 'kubejobs/pulumi' as users do; in this repository that is src/.
      moduleNameMapper: {
        '^kubejobs$': '<rootDir>/src/index.ts',
        '^kubejobs/pulumi$': '<rootDir>/src/pulumi/index.ts',
      },
      // On 2 cores jest would default to one worker; cluster test files each start their own plane.
      maxWorkers: 2,
      // These packages ship ES modules only; Node 20.19+ can require() them, jest cannot, so they are transpiled.
      transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY_PACKAGES.join('|')})/)`],
      testPathIgnorePatterns: ['/node_modules/', '/examples/.*/dist/'],
      // cdk8s's Testing.app() leaves a temp directory per app; removed after each file.
      setupFilesAfterEnv: ['<rootDir>/test/setup/cdk8s-test-outdirs.ts'],
    },
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'projenrc', 'examples'],
    ignorePatterns: ['*.js', '*.d.ts', 'node_modules/', '*.generated.ts', 'coverage', 'imports/'],
  },
});

// 3.8 resolves with enhanced-resolve; later versions need unrs-resolver, whose optional platform
// binaries this project's registry does not all serve, which breaks `npm ci`.
project.deps.removeDependency('eslint-import-resolver-typescript');
project.addDevDeps('eslint-import-resolver-typescript@~3.8.0');
// jestVersion would ask for the same version of these, which do not exist.
project.deps.removeDependency('@types/jest');
project.deps.removeDependency('ts-jest');
project.addDevDeps('@types/jest@^29.5.0', 'ts-jest@^29.2.0', 'jest-util@^29.7.0');

// Examples import 'kubejobs' as users do; examples/tsconfig.json maps the name to src/.
project.eslint?.addOverride({
  files: ['examples/**/*.ts'],
  settings: { 'import/resolver': { typescript: { project: './examples/tsconfig.json', alwaysTryTypes: true } } },
} as any);

// `kubejobs` is the cdk8s API; `kubejobs/pulumi` is the Pulumi adapter (loaded only on demand).
// Pulumi users install these; cdk8s-only users never do, and `import 'kubejobs'` never loads them.
project.package.addPeerDeps(`@pulumi/pulumi@^${PULUMI_SDK_FLOOR}`, `@pulumi/kubernetes@^${PULUMI_KUBERNETES_VERSION}`);
project.package.addField('peerDependenciesMeta', {
  '@pulumi/pulumi': { optional: true },
  '@pulumi/kubernetes': { optional: true },
});
project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
  './pulumi': { types: './lib/pulumi/index.d.ts', default: './lib/pulumi/index.js' },
  './package.json': './package.json',
});
// TypeScript's `moduleResolution: node` (node10, what `pulumi new typescript` writes) ignores
// `exports`: it finds `kubejobs/pulumi`'s types through this map instead.
project.package.addField('typesVersions', { '*': { pulumi: ['lib/pulumi/index.d.ts'] } });
project.package.addVersion('0.1.0');
project.package.addBin({ kubejobs: 'lib/cli.js' });
project.package.addField('files', ['lib', 'imports', 'README.md', 'API.md']);
// `npm pack` and `npm install <git url>` (npm runs prepack in a git dependency's clone, after
// installing its dev dependencies) compile first: lib/ is not in git, and a package without it
// is empty. Not `prepare`: that would also compile on every `npm ci` of this repository.
project.package.setScript('prepack', 'tsc --build');

// --- generated files: imports/ (types from our schemas) and API.md (from TSDoc) -----------------
const importsTask = project.addTask('gen:imports', {
  description: 'Generate imports/*.d.ts from the CRD schemas in src/api with json-schema-to-typescript',
  exec: 'ts-node --project projenrc/tsconfig.json projenrc/generate-imports.ts',
});
project.preCompileTask.spawn(importsTask);

const docgenTask = project.addTask('docgen', {
  description: 'Generate API.md from TSDoc (typedoc + typedoc-plugin-markdown)',
  exec: 'ts-node --project projenrc/tsconfig.json projenrc/generate-api-md.ts',
});
project.postCompileTask.spawn(docgenTask);

project.addTask('synth:examples', {
  description: 'Synthesise every example app in examples/ with the real `cdk8s synth`',
  exec: 'ts-node --project projenrc/tsconfig.json projenrc/synth-examples.ts',
});

const typecheck = project.addTask('typecheck', {
  description: 'Type-check the library, the tests, the examples and the projen scripts',
  steps: [
    { exec: 'tsc --noEmit -p tsconfig.json' },
    { exec: 'tsc --noEmit -p test/tsconfig.json' },
    { exec: 'tsc --noEmit -p projenrc/tsconfig.json' },
  ],
});
project.testTask.prependSpawn(typecheck);

project.package.file.addOverride('jest.transform', {
  '^.+\\.[t]sx?$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }],
  [`^.+/node_modules/(${ESM_ONLY_PACKAGES.join('|')})/.+\\.m?js$`]: ['ts-jest', {
    tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022', esModuleInterop: true, isolatedModules: true, sourceMap: false, inlineSourceMap: false },
  }],
});

// The cluster tests need etcd, kube-apiserver, kube-controller-manager and kubectl: built from Go modules
// into ~/.cache/kubejobs on first use, reused afterwards (test/cluster/README.md).
const k8sBinaries = project.addTask('k8s:binaries', {
  description: 'Build or reuse etcd, kube-apiserver, kube-controller-manager and kubectl for the cluster tests',
  exec: 'bash test/cluster/build-binaries.sh',
});
project.testTask.prependSpawn(k8sBinaries);

// The opt-in cluster test tiers (test/cluster/tiers/README.md): kube-scheduler, kwok, Kueue, the
// AppWrapper controller and the training-operator, built from Go modules into the same cache.
// It spawns k8s:binaries first (a no-op when cached), so kube-scheduler reuses the compiled
// packages of the apiserver build.
const tierBinaries = project.addTask('k8s:tier-binaries', {
  description: 'Build or reuse the binaries of the scheduling and operators cluster test tiers',
});
tierBinaries.spawn(k8sBinaries);
tierBinaries.exec('bash test/cluster/build-tier-binaries.sh operators');
project.testTask.prependSpawn(tierBinaries);

// The Pulumi engine of the real-engine tests (test/pulumi/engine/): the pulumi CLI and the Kubernetes
// provider plugin, built from Go modules into the same cache (test/cluster/pulumi/PULUMI_VERSIONS).
const pulumiEngine = project.addTask('pulumi:engine', {
  description: 'Build or reuse the pulumi CLI and the Kubernetes provider plugin for the real-engine tests',
  exec: 'bash test/cluster/build-pulumi.sh',
});
project.testTask.prependSpawn(pulumiEngine);

// The kubejobs image, built from ./Dockerfile with Debian's buildah and a base made from Debian
// packages plus this machine's Node 20 (no Docker, no registry pull), cached in
// ~/.cache/kubejobs/image (test/image/build-image.sh). The image tests build it themselves too;
// building it before jest keeps the build out of the parallel test run.
const imageBuild = project.addTask('image:build', {
  description: 'Build or reuse the kubejobs image (Dockerfile) with buildah, without Docker or a registry pull',
  exec: 'bash test/image/build-image.sh',
});
project.testTask.prependSpawn(imageBuild);

// The `node` cluster test tier (test/cluster/tiers/README.md): containerd, runc and the CNI plugins
// from Debian, kubelet built from test/cluster/go.mod's module set, pause from its pause.c, and the
// images above saved for containerd. The tier's test file builds it too (a no-op when cached).
const nodeTierBuild = project.addTask('k8s:node-tier', {
  description: 'Build or reuse kubelet, pause and the images of the node cluster test tier; install containerd and runc when missing',
  exec: 'bash test/cluster/tiers/build-node.sh',
});
project.testTask.prependSpawn(nodeTierBuild);

project.addTask('bench:controller', {
  description: 'Benchmark: 200 GenericJobs x 4 replicas through the controller vs a plain client loop (ratio, not a test)',
  exec: 'ts-node --transpile-only --project projenrc/tsconfig.json bench/controller.ts',
});
project.addTask('bench:synth', {
  description: 'Benchmark: synth cost per job of GenericJob/ArenaJob/AppWrapperJob vs cdk8s-plus Job at 1k/5k/20k, and require() cost (ratios, not a test)',
  env: { TS_NODE_PROJECT: 'projenrc/tsconfig.json' },
  steps: [
    // require('kubejobs') loads the compiled lib/, as users do.
    { exec: 'tsc' },
    // --expose-gc: a full GC between measurements, so one kind's garbage is not billed to the next.
    { exec: 'node --expose-gc --max-old-space-size=6144 -r ts-node/register/transpile-only bench/synth.ts' },
  ],
});
project.addTask('bench:job-scheduler', {
  description: 'Benchmark: a 500-job Radix batch through job-scheduler + controller vs a plain client loop creating the same Jobs and Secrets (ratio, not a test)',
  exec: 'ts-node --transpile-only --project projenrc/tsconfig.json bench/job-scheduler.ts',
});
project.npmignore?.exclude('/bench/', '/Dockerfile', '/.dockerignore', '/docs/');

// fastify 5 takes light-my-request ^6; 6.8 moved to cookie@2, which declares Node >= 22. 6.6 is the
// last release on cookie@1 (Node >= 18) and has the same API (fastify.inject only).
project.package.addField('overrides', { 'light-my-request': '6.6.0' });

project.gitignore.addPatterns('/examples/**/dist/', '/test-reports/', '/.tmp/');

project.synth();
