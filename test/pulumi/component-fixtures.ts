import { App, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parseAllDocuments } from 'yaml';
import * as core from '../../src';

// Props shared by the mocked component tests and the real-engine tests (engine/): one workload,
// proven both ways.

/**
 * What `cdk8s synth` writes for a chart with id `name` holding the construct with id `Default`
 * (the YAML of `app.synthYaml()`, parsed back).
 */
export function cdk8sSynth(name: string, define: (chart: Chart, id: string) => void): any[] {
  const app = new App();
  define(new Chart(app, name), 'Default');
  return parseAllDocuments(app.synthYaml()).map((d) => d.toJS());
}

/** `apiVersion|kind|namespace|name`: an object's identity. */
export const keyOf = (o: any): string => `${o.apiVersion}|${o.kind}|${o.metadata?.namespace ?? ''}|${o.metadata?.name}`;

/** A GenericJob with two replica types, rules, ports and a queue. */
export const trainerProps = (): core.GenericJobProps => ({
  metadata: { name: 'mnist-train', namespace: 'ml', labels: { team: 'vision' } },
  replicaSpecs: [
    {
      type: 'master',
      containers: [{
        name: 'trainer',
        image: 'python:3.12-slim',
        command: ['python', '-m', 'train', '--rank', core.T9kVariable.rank],
        envVariables: { EPOCHS: kplus.EnvValue.fromValue('10') },
        resources: { cpu: { request: kplus.Cpu.millis(500) } },
      }],
    },
    { type: 'worker', replicas: 2, restartPolicy: core.ReplicaRestartPolicy.onFailure(3), containers: [{ name: 'trainer', image: 'python:3.12-slim' }] },
  ],
  successRules: [core.FinishRule.ranks('master', 0)],
  servicePorts: [{ name: 'http', port: 8080 }],
  t9kScheduler: { queue: 'default', priority: 10 },
  cleanUpPolicy: core.CleanUpPolicy.UNFINISHED,
});

/** A RadixJobScheduler with a payload path, a secret and a batch status rule. */
export const schedulerProps = (): core.RadixJobSchedulerProps => ({
  name: 'compute',
  namespace: 'ml',
  image: 'registry.example.com/ml/compute:{imageTagName}',
  imageTagName: '1.4.0',
  schedulerPort: 8000,
  payloadPath: '/compute/args',
  timeLimit: Duration.hours(2),
  secrets: [{ name: 'DB_PASS', secretName: 'compute-db', key: 'password' }],
  batchStatusRules: [core.BatchStatusRule.anyJobIn([core.RadixJobStatus.FAILED], core.RadixBatchStatus.FAILED)],
});

