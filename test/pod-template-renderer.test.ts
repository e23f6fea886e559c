import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { GenericJob, ReplicaSpecProps } from '../src';

/**
 * A replica's pod template is rendered as cdk8s-plus renders a Pod's spec, without a Pod
 * (src/pod-template-renderer.ts): compared here with a real cdk8s-plus Pod built from the same props.
 */
/**
 * What kubejobs changes on purpose in a cdk8s-plus pod spec (README compatibility notes): no
 * `imagePullPolicy` unless set, so Kubernetes' own rule applies; containers meet Pod Security
 * `restricted` (all capabilities dropped, the runtime's default seccomp profile).
 */
function withKubejobsDefaults(spec: any): any {
  const container = ({ imagePullPolicy: _policy, ...c }: any) => ({
    ...c, securityContext: { ...c.securityContext, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
  });
  return { ...spec, containers: spec.containers.map(container), initContainers: spec.initContainers.map(container) };
}

describe('replica pod templates render as cdk8s-plus Pods do', () => {
  test('every pod prop gives the spec a cdk8s-plus Pod has', () => {
    const chart = Testing.chart();
    const config = new kplus.ConfigMap(chart, 'config', { data: { lr: '0.1' } });
    const data = kplus.Volume.fromEmptyDir(chart, 'data', 'data');
    const cache = kplus.Volume.fromConfigMap(chart, 'cache', config);
    // Security contexts set in full: the training defaults (run as the image says) then change nothing.
    const hardened = { ensureNonRoot: true, readOnlyRootFilesystem: true };
    const podProps: Omit<ReplicaSpecProps, 'type'> = {
      securityContext: { ensureNonRoot: true, user: 1000, group: 1000, fsGroup: 2000 },
      containers: [{
        name: 'trainer',
        image: 'python:3.12',
        command: ['python', 'train.py'],
        args: ['--epochs', '3'],
        workingDir: '/workspace',
        envVariables: { LR: kplus.EnvValue.fromConfigMap(config, 'lr'), MODE: kplus.EnvValue.fromValue('train') },
        ports: [{ number: 8080, name: 'http', protocol: kplus.Protocol.TCP }],
        resources: { cpu: { request: kplus.Cpu.units(2) }, memory: { request: Size.gibibytes(1), limit: Size.gibibytes(4) } },
        volumeMounts: [{ path: '/data', volume: data }],
        liveness: kplus.Probe.fromHttpGet('/healthz', { port: 8080 }),
        securityContext: hardened,
      }],
      initContainers: [{ name: 'fetch', image: 'busybox:1.36', volumeMounts: [{ path: '/cache', volume: cache }], securityContext: hardened }],
      volumes: [kplus.Volume.fromEmptyDir(chart, 'scratch', 'scratch', { sizeLimit: Size.gibibytes(2) })],
      dns: { policy: kplus.DnsPolicy.NONE, nameservers: ['10.0.0.10'], hostname: 'trainer' },
      hostAliases: [{ ip: '10.0.0.1', hostnames: ['db'] }],
      serviceAccount: kplus.ServiceAccount.fromServiceAccountName(chart, 'sa', 'trainer'),
      automountServiceAccountToken: true,
      dockerRegistryAuth: kplus.Secret.fromSecretName(chart, 'pull', 'regcred'),
      terminationGracePeriod: Duration.seconds(5),
    };
    new GenericJob(chart, 'job', { replicaSpecs: [{ type: 'worker', ...podProps }] });
    new kplus.Pod(chart, 'pod', { ...podProps, restartPolicy: kplus.RestartPolicy.NEVER });
    const manifests = Testing.synth(chart);
    const job = manifests.find((m) => m.kind === 'GenericJob');
    const pod = manifests.find((m) => m.kind === 'Pod');
    expect(job.spec.replicaSpecs[0].template.spec).toEqual(withKubejobsDefaults(pod.spec));
  });

  test('a pod cdk8s-plus refuses fails synth with its message, and the next pod renders', () => {
    const bad = Testing.chart();
    new GenericJob(bad, 'job', {
      replicaSpecs: [{ type: 'worker', containers: [{ image: 'busybox:1.36' }], initContainers: [{ image: 'busybox:1.36', readiness: kplus.Probe.fromCommand(['true']) }] }],
    });
    expect(() => Testing.synth(bad)).toThrow('Init containers must not have a readiness probe');
    const good = Testing.chart();
    new GenericJob(good, 'job', { replicaSpecs: [{ type: 'worker', containers: [{ name: 'main', image: 'busybox:1.36' }] }] });
    expect(Testing.synth(good)[0].spec.replicaSpecs[0].template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['main']);
  });
});
