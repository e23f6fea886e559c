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
