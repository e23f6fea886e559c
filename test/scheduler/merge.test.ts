import type { RadixJobFailurePolicyRule } from '../../imports/kubejobs.dev';
import { mergeJobDescription } from '../../src/scheduler/merge';
import { JobScheduleDescription, RadixJobComponentConfig } from '../../src/scheduler/models';

// Radix's defaults merge (upstream Test_MergeJobDescriptionWithDefaultJobDescription, Test_MergeRuntime,
// Test_CreateBatch command/args cases; shared/reference/appwrapper-radix.md B2.2): the job wins, maps
// merge per key, runtime and failurePolicy are replaced whole, `[]` is an explicit empty list.

const cases: Array<[string, JobScheduleDescription, RadixJobComponentConfig | undefined, JobScheduleDescription]> = [
  ['no defaults: the job as given', { timeLimitSeconds: 5 }, undefined, { timeLimitSeconds: 5 }],
  ['empty job takes every default', {}, { timeLimitSeconds: 10, backoffLimit: 2, image: 'a:1' }, { timeLimitSeconds: 10, backoffLimit: 2, image: 'a:1' }],
  ['job timeLimitSeconds wins', { timeLimitSeconds: 5 }, { timeLimitSeconds: 10 }, { timeLimitSeconds: 5 }],
  ['job backoffLimit 0 wins over a default 5', { backoffLimit: 0 }, { backoffLimit: 5 }, { backoffLimit: 0 }],
  ['default backoffLimit when the job has none', {}, { backoffLimit: 5 }, { backoffLimit: 5 }],
  ['job image wins', { image: 'b:2' }, { image: 'a:1' }, { image: 'b:2' }],
  ['empty job image takes the default', { image: '' }, { image: 'a:1' }, { image: 'a:1' }],
  ['job imageTagName wins', { imageTagName: 'v2' }, { imageTagName: 'v1' }, { imageTagName: 'v2' }],
  ['default imageTagName', {}, { imageTagName: 'v1' }, { imageTagName: 'v1' }],
  ['resources merge per key: limits', { resources: { limits: { cpu: '1' } } }, { resources: { limits: { cpu: '2', memory: '1Gi' } } }, { resources: { limits: { cpu: '1', memory: '1Gi' } } }],
  ['resources merge per key: requests from default, limits from job', { resources: { limits: { cpu: '1' } } }, { resources: { requests: { cpu: '500m' } } },
    { resources: { limits: { cpu: '1' }, requests: { cpu: '500m' } } }],
  ['resources only in the job', { resources: { requests: { memory: '1Gi' } } }, {}, { resources: { requests: { memory: '1Gi' } } }],
  ['variables merge per key', { variables: { A: 'job', C: 'c' } }, { variables: { A: 'default', B: 'b' } }, { variables: { A: 'job', B: 'b', C: 'c' } }],
  ['node merges per field', { node: { gpuCount: '4' } }, { node: { gpu: 'nvidia-v100', gpuCount: '1' } }, { node: { gpu: 'nvidia-v100', gpuCount: '4' } }],
  ['runtime replaced whole: default architecture lost when the job sets nodeType', { runtime: { nodeType: 'gpu-nc24' } }, { runtime: { architecture: 'arm64' } },
    { runtime: { nodeType: 'gpu-nc24' } }],
  ['runtime from default', {}, { runtime: { architecture: 'arm64', nodeType: 'x' } }, { runtime: { architecture: 'arm64', nodeType: 'x' } }],
  ['runtime from the job when the default has none', { runtime: { architecture: 'amd64' } }, {}, { runtime: { architecture: 'amd64' } }],
  ['failurePolicy replaced whole', { failurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [1] } }] } },
    { failurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [2, 3] } }] } },
    { failurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [1] } }] } }],
  ['failurePolicy from default', {}, { failurePolicy: { rules: [] } }, { failurePolicy: { rules: [] } }],
  ['command: job overrides, args default', { command: ['job-cmd'] }, { command: ['def-cmd'], args: ['def-arg'] }, { command: ['job-cmd'], args: ['def-arg'] }],
  ['args: job overrides, command default', { args: ['job-arg'] }, { command: ['def-cmd'], args: ['def-arg'] }, { command: ['def-cmd'], args: ['job-arg'] }],
  ['empty command and args stay empty', { command: [], args: [] }, { command: ['def-cmd'], args: ['def-arg'] }, { command: [], args: [] }],
  ['null command inherits', { command: null, args: null }, { command: ['def-cmd'], args: ['def-arg'] }, { command: ['def-cmd'], args: ['def-arg'] }],
  ['null everywhere: absent', { command: null }, { args: null }, {}],
  ['jobId and payload are the job\'s own', { jobId: 'j1', payload: 'p' }, { timeLimitSeconds: 3 }, { jobId: 'j1', payload: 'p', timeLimitSeconds: 3 }],
  ['job gpu wins', { node: { gpu: 'a' } }, { node: { gpu: 'b', gpuCount: '2' } }, { node: { gpu: 'a', gpuCount: '2' } }],
  ['empty job gpu takes the default', { node: { gpu: '' } }, { node: { gpu: 'b' } }, { node: { gpu: 'b' } }],
];

test.each(cases)('%s', (_name, job, defaults, expected) => {
  expect(mergeJobDescription(job, defaults)).toEqual(expected);
});

// Upstream Test_MergeRuntime (radix-job-scheduler api/v1/handlers/internal/handler_test.go), all 15
// cases by name: a job's `runtime`, even `{}`, replaces the default's whole; only an absent one inherits.
// Upstream's Go `nil` runtime is an absent `runtime` here: a nil pointer is omitted from Radix's JSON
// (`omitempty`), and our request schema (like the RadixBatch CRD's) does not accept `"runtime": null`.
// Some upstream cases share inputs (e.g. "preserves existing NodeType" and "clears Architecture if both
// present after merge"); each is kept so every upstream case has its counterpart.
describe('Test_MergeRuntime', () => {
  const runtimeCases: Array<[string, JobScheduleDescription, RadixJobComponentConfig, JobScheduleDescription]> = [
    ['clear job Architecture when empty job runtime', { runtime: {} }, { runtime: { architecture: 'amd64' } }, { runtime: {} }],
    ['clear job NodeType when empty job runtime', { runtime: {} }, { runtime: { nodeType: 'some-node-type' } }, { runtime: {} }],
    ['preserves existing NodeType', { runtime: { nodeType: 'gpu-nodes' } }, { runtime: { architecture: 'amd64' } }, { runtime: { nodeType: 'gpu-nodes' } }],
    ['preserves existing Architecture if NodeType not set', { runtime: { architecture: 'arm64' } }, { runtime: {} }, { runtime: { architecture: 'arm64' } }],
    ['preserves job Architecture if NodeType not set', { runtime: { architecture: 'arm64' } }, { runtime: { architecture: 'amd64' } }, { runtime: { architecture: 'arm64' } }],
    ['preserves job Architecture when there is no default runtime', { runtime: { architecture: 'arm64' } }, {}, { runtime: { architecture: 'arm64' } }],
    ['sets job Architecture by default runtime', {}, { runtime: { architecture: 'arm64' } }, { runtime: { architecture: 'arm64' } }],
    ['no job Architecture if no default runtime and job runtime', {}, { runtime: { architecture: 'arm64' } }, { runtime: { architecture: 'arm64' } }],
    ['clears Architecture if both present after merge', { runtime: { nodeType: 'edge-nodes' } }, { runtime: { architecture: 'amd64' } }, { runtime: { nodeType: 'edge-nodes' } }],
    ['clears default Architecture and NodeType if empty Runtime in job', { runtime: {} }, { runtime: { architecture: 'amd64' } }, { runtime: {} }],
    ['keeps default Architecture if nil Runtime in job', {}, { runtime: { architecture: 'arm64' } }, { runtime: { architecture: 'arm64' } }],
    ['keeps default NodeType if nil Runtime in job', {}, { runtime: { nodeType: 'some-node-type' } }, { runtime: { nodeType: 'some-node-type' } }],
    ['keeps job Architecture if nil default Runtime', { runtime: { architecture: 'arm64' } }, {}, { runtime: { architecture: 'arm64' } }],
    ['keeps job NodeType if nil default Runtime', { runtime: { nodeType: 'some-node-type' } }, {}, { runtime: { nodeType: 'some-node-type' } }],
    ['keeps nil job Runtime if nil default and job Runtime', {}, {}, {}],
  ];

  test.each(runtimeCases)('%s', (_name, job, defaults, expected) => {
    expect(mergeJobDescription(job, defaults)).toEqual(expected);
  });
});

// Upstream Test_MergeJobDescriptionWithDefaultJobDescription by name: the 29 cases of
// radix-operator job-scheduler/api/v1/handlers/internal/handler_test.go (newest) and the three Node
// cases of the older radix-job-scheduler copy. Not ported (no kubejobs counterpart):
// - "job runAsUser is set, component runAsUser is set, job should take precedence" and
//   "job runAsUser is nil, component runAsUser is set, component should be used": kubejobs has no
//   `runAsUser` job setting; its pods run as the image's non-root user under restricted Pod Security.
describe('Test_MergeJobDescriptionWithDefaultJobDescription', () => {
  const fp = (action: RadixJobFailurePolicyRule['action'], operator: RadixJobFailurePolicyRule['onExitCodes']['operator'], values: number[]) => ({ rules: [{ action, onExitCodes: { operator, values } }] });
  const namedCases: Array<[string, JobScheduleDescription, RadixJobComponentConfig, JobScheduleDescription]> = [
    ['Resources merged from job and default spec',
      { resources: { limits: { memory: '21M' }, requests: { memory: '10M', cpu: '11m' } } },
      { resources: { limits: { cpu: '20m', memory: '20M' }, requests: { cpu: '10m' } } },
      { resources: { limits: { cpu: '20m', memory: '21M' }, requests: { cpu: '11m', memory: '10M' } } }],
    ['Resources from job spec only', { resources: { limits: { memory: '20M' }, requests: { memory: '10M' } } }, {},
      { resources: { limits: { memory: '20M' }, requests: { memory: '10M' } } }],
    ['Resources from default spec only', {}, { resources: { limits: { memory: '20M' }, requests: { memory: '10M' } } },
      { resources: { limits: { memory: '20M' }, requests: { memory: '10M' } } }],
    ['Node merged from job and default spec', { node: { gpu: 'gpu3' } }, { node: { gpuCount: '2', gpu: 'gpu1,gpu2' } }, { node: { gpuCount: '2', gpu: 'gpu3' } }],
    ['Node from default spec only', {}, { node: { gpuCount: '2', gpu: 'gpu1,gpu2' } }, { node: { gpuCount: '2', gpu: 'gpu1,gpu2' } }],
    ['Node from job spec only', { node: { gpuCount: '2', gpu: 'gpu3' } }, {}, { node: { gpuCount: '2', gpu: 'gpu3' } }],
    ['BackoffLimit from job spec', { backoffLimit: 1000 }, { backoffLimit: 2000 }, { backoffLimit: 1000 }],
    ['BackoffLimit from default spec', {}, { backoffLimit: 2000 }, { backoffLimit: 2000 }],
    ['TimeLimitSeconds from job spec', { timeLimitSeconds: 1000 }, { timeLimitSeconds: 2000 }, { timeLimitSeconds: 1000 }],
    ['TimeLimitSeconds from default spec', {}, { timeLimitSeconds: 2000 }, { timeLimitSeconds: 2000 }],
    ['FailurePolicy from job spec only', { failurePolicy: fp('FailJob', 'NotIn', [0, 1]) }, { failurePolicy: fp('Count', 'In', [1, 2, 3]) },
      { failurePolicy: fp('FailJob', 'NotIn', [0, 1]) }],
    ['FailurePolicy from default spec', {}, { failurePolicy: fp('Count', 'In', [1, 2, 3]) }, { failurePolicy: fp('Count', 'In', [1, 2, 3]) }],
    ['Image from job spec', { image: 'my-job-image:latest' }, { image: 'my-default-image:latest' }, { image: 'my-job-image:latest' }],
    ['No default image, image from job spec', { image: 'my-job-image:latest' }, {}, { image: 'my-job-image:latest' }],
    ['Image from default spec', {}, { image: 'my-default-image:latest' }, { image: 'my-default-image:latest' }],
    ['Command and Args from job spec', { command: ['sh', '-c'], args: ['echo hello'] }, {}, { command: ['sh', '-c'], args: ['echo hello'] }],
    ['Command and Args from default spec', {}, { command: ['sh', '-c'], args: ['echo hello'] }, { command: ['sh', '-c'], args: ['echo hello'] }],
    ['job command and args are not set', {}, {}, {}],
    ['job single command is set', { command: ['bash'] }, {}, { command: ['bash'] }],
    ['job command with arguments is set', { command: ['sh', '-c', 'echo hello'] }, {}, { command: ['sh', '-c', 'echo hello'] }],
    ['job command is set and args are set', { command: ['sh', '-c'], args: ['echo hello'] }, {}, { command: ['sh', '-c'], args: ['echo hello'] }],
    ['job only args are set', { args: ['--verbose', '--output=json'] }, {}, { args: ['--verbose', '--output=json'] }],
    ['job and component command and args are set, job takes precedence', { command: ['job-cmd'], args: ['job-arg1', 'job-arg2'] },
      { command: ['comp-cmd'], args: ['comp-arg1', 'comp-arg2'] }, { command: ['job-cmd'], args: ['job-arg1', 'job-arg2'] }],
    ['job command set, component args set, job command takes precedence, args from component', { command: ['job-cmd'] },
      { args: ['comp-arg1', 'comp-arg2'] }, { command: ['job-cmd'], args: ['comp-arg1', 'comp-arg2'] }],
    ['job args set, component command set, job args take precedence, command from component', { args: ['job-arg1', 'job-arg2'] },
      { command: ['comp-cmd'] }, { command: ['comp-cmd'], args: ['job-arg1', 'job-arg2'] }],
    ['only component command and args set', {}, { command: ['comp-cmd'], args: ['comp-arg1', 'comp-arg2'] },
      { command: ['comp-cmd'], args: ['comp-arg1', 'comp-arg2'] }],
    ['job command set, component command and args set, job command takes precedence, args from component', { command: ['job-cmd'] },
      { command: ['comp-cmd'], args: ['comp-arg1', 'comp-arg2'] }, { command: ['job-cmd'], args: ['comp-arg1', 'comp-arg2'] }],
    ['job args set, component command and args set, job args take precedence, command from component', { args: ['job-arg1', 'job-arg2'] },
      { command: ['comp-cmd'], args: ['comp-arg1', 'comp-arg2'] }, { command: ['comp-cmd'], args: ['job-arg1', 'job-arg2'] }],
    ['job command is empty array, default is set and should be empty', { command: [] }, { command: ['default-cmd'] }, { command: [] }],
    ['job args is empty array, default is set and should be empty', { args: [] }, { args: ['default-arg1', 'default-arg2'] }, { args: [] }],
    ['job command and args are empty arrays, default is set and should be empty', { command: [], args: [] },
      { command: ['default-cmd'], args: ['default-arg1', 'default-arg2'] }, { command: [], args: [] }],
  ];

  test.each(namedCases)('%s', (_name, job, defaults, expected) => {
    expect(mergeJobDescription(job, defaults)).toEqual(expected);
  });
});

// Upstream Test_MergeEnvVars, all 4 cases: variables merge per name, the job's value wins.
describe('Test_MergeEnvVars', () => {
  const envCases: Array<[string, JobScheduleDescription, RadixJobComponentConfig, JobScheduleDescription]> = [
    ['no default env-vars, no job env-vars', {}, {}, {}],
    ['no default env-vars, job env-vars', { variables: { VAR1: 'value1', VAR2: 'value2' } }, {}, { variables: { VAR1: 'value1', VAR2: 'value2' } }],
    ['default env-vars, no job env-vars', {}, { variables: { VAR1: 'value1', VAR2: 'value2' } }, { variables: { VAR1: 'value1', VAR2: 'value2' } }],
    ['default env-vars, job env-vars', { variables: { VAR2: 'value22', VAR3: 'value3' } }, { variables: { VAR1: 'value1', VAR2: 'value2' } },
      { variables: { VAR1: 'value1', VAR2: 'value22', VAR3: 'value3' } }],
  ];

  test.each(envCases)('%s', (_name, job, defaults, expected) => {
    expect(mergeJobDescription(job, defaults)).toEqual(expected);
  });
});
