import * as k8s from '@pulumi/kubernetes';
import { FinishRule, T9kVariable } from 'kubejobs';
import { ArenaConfig, ArenaJob, GenericJob, KubejobsController } from 'kubejobs/pulumi';

// The same workload as examples/combined (cdk8s), as a Pulumi stack. Each component renders the
// kubejobs construct and hands its objects to Pulumi: the controller's CRDs first, then the
// controller; the jobs wait for both through `dependsOn`.
const controller = new KubejobsController('kubejobs', { replicas: 2 });

// A value from another resource: the jobs' namespace is created here and passed as an output.
const ml = new k8s.core.v1.Namespace('ml', { metadata: { name: 'ml' } });
const namespace = ml.metadata.name;

const trainer = (rankFlag: string) => ({
  name: 'trainer',
  image: 'python:3.12-slim',
  command: ['python', '-m', 'train', '--role', T9kVariable.type, rankFlag, T9kVariable.rank],
});

const train = new GenericJob('mnist-train', {
  metadata: { name: 'mnist-train', namespace },
  replicaSpecs: [
    { type: 'master', containers: [trainer('--rank')] },
    { type: 'worker', replicas: 2, containers: [trainer('--rank')] },
  ],
  successRules: [FinishRule.ranks('master', 0)],
}, { dependsOn: [controller] });

const config = new ArenaConfig('smoke', {
  metadata: { name: 'smoke', namespace },
  sourceName: 'smoke-pack',
  providers: [{ name: 'mock' }],
}, { dependsOn: [controller] });

// `config` is the ArenaConfig component: the job refers to it by its name output.
const evaluation = new ArenaJob('smoke-eval', {
  metadata: { name: 'smoke-eval', namespace },
  config,
}, { dependsOn: [controller] });

export const controllerNamespace = controller.namespace;
export const trainJob = train.name;
export const evaluationJob = evaluation.name;
export const jobsNamespace = train.namespace;
