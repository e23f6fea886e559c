import { ApiObject, JsonPatch, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Node } from 'constructs';
import {
  CleanUpPolicy,
  FinishRule,
  GenericJob,
  GenericJobProps,
  ReplicaRestartPolicy,
  ReplicaSpecProps,
  T9kVariable,
} from '../src';
import { validateManifest } from '../src/api';

const worker = (overrides: Partial<ReplicaSpecProps> = {}): ReplicaSpecProps => ({
  type: 'worker',
  replicas: 4,
  containers: [{ name: 'trainer', image: 'python:3.12' }],
  ...overrides,
});

function synthJob(props: GenericJobProps): any {
  const chart = Testing.chart();
  new GenericJob(chart, 'job', props);
  const [job] = Testing.synth(chart);
  return job;
}

describe('GenericJob', () => {
  test('defaultChild is the GenericJob API object', () => {
    const chart = Testing.chart();
    const job = new GenericJob(chart, 'job', { replicaSpecs: [worker()] });
    const child = Node.of(job).defaultChild as ApiObject;
    expect(child.kind).toEqual('GenericJob');
    expect(child.apiVersion).toEqual('batch.tensorstack.dev/v1beta1');
    expect(child).toBe(job.apiObject);
  });

  test('gpusPerPod: the nvidia.com/gpu request and limit of each pod\'s first container only (not a sidecar, not an init container), beside its CPU and memory; the manifest stays valid', () => {
    const job = synthJob({
      metadata: { name: 'train' },
      replicaSpecs: [worker({
        gpusPerPod: 2,
        initContainers: [{ name: 'fetch', image: 'busybox:1.36' }],
        containers: [
          { name: 'trainer', image: 'pytorch/pytorch:2.3.0', resources: { cpu: { limit: kplus.Cpu.units(4) }, memory: { request: Size.gibibytes(16) } } },
          { name: 'logs', image: 'busybox:1.36' },
        ],
      }), { type: 'ps', containers: [{ name: 'ps', image: 'python:3.12' }] }],
    });
    const { containers: [trainer, sidecar], initContainers: [init] } = job.spec.replicaSpecs[0].template.spec;
    // A quantity is a string, as the API server writes it back; request equal to limit, as Kubernetes requires.
    expect(trainer.resources).toEqual({ limits: { 'cpu': '4', 'nvidia.com/gpu': '2' }, requests: { 'memory': '16384Mi', 'nvidia.com/gpu': '2' } });
    expect(JSON.stringify(sidecar)).not.toContain('nvidia.com/gpu');
    expect(JSON.stringify(init)).not.toContain('nvidia.com/gpu');
    // Without gpusPerPod, nothing changes.
    expect(JSON.stringify(job.spec.replicaSpecs[1])).not.toContain('nvidia.com/gpu');
    expect(validateManifest(job)).toEqual([]);
  });

  test.each([
    [{ gpusPerPod: 1.5 }, '\'replicaSpecs[0].gpusPerPod\' (1.5) must be a whole number of GPUs per pod from 0 to 1024, e.g. gpusPerPod: 1'],
    [{ gpusPerPod: -1 }, '\'replicaSpecs[0].gpusPerPod\' (-1) must be a whole number of GPUs per pod from 0 to 1024, e.g. gpusPerPod: 1'],
    // From untyped input (JSON): the value is shown as it was given.
    [{ gpusPerPod: '2' }, '\'replicaSpecs[0].gpusPerPod\' ("2") must be a whole number of GPUs per pod from 0 to 1024, e.g. gpusPerPod: 1'],
    [{ gpusPerPod: 1, containers: undefined, podTemplate: { spec: { containers: [{ name: 'c', image: 'python:3.12' }] } } },
      '\'replicaSpecs[0]\' sets both \'podTemplate\' and \'gpusPerPod\': with a raw template, set the \'nvidia.com/gpu\' request and limit in its container\'s resources'],
  ])('gpusPerPod %j is refused: %s', (overrides, message) => {
    expect(() => new GenericJob(Testing.chart(), 'job', { replicaSpecs: [worker(overrides as Partial<ReplicaSpecProps>)] })).toThrow(message);
  });

  test('renders replica specs from cdk8s-plus containers, with restartPolicy Never in the pod', () => {
    const job = synthJob({ metadata: { name: 'train' }, replicaSpecs: [worker({ restartPolicy: ReplicaRestartPolicy.onFailure(3) })] });
    expect(job.metadata.name).toEqual('train');
    const [spec] = job.spec.replicaSpecs;
    expect(spec).toMatchObject({ type: 'worker', replicas: 4, restartPolicy: { policy: 'OnFailure', limit: 3 } });
    expect(spec.template.spec.restartPolicy).toEqual('Never');
    expect(spec.template.spec.containers[0]).toMatchObject({ name: 'trainer', image: 'python:3.12' });
    // Pod Security "restricted" by default, with a writable root filesystem (training code writes next to itself).
    // Non-root is said once, at pod level; a container-level runAsNonRoot would override a replica's relaxation.
    expect(spec.template.spec.containers[0].securityContext).toEqual({
      readOnlyRootFilesystem: false,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(JSON.stringify(job)).not.toContain('"runAsNonRoot":false');
    // Kubernetes' own pull rule (no cdk8s-plus "Always") unless the container asks.
    expect(spec.template.spec.containers[0]).not.toHaveProperty('imagePullPolicy');
  });

  test('imagePullPolicy is written only where a container sets it', () => {
    const spec = synthJob({
      replicaSpecs: [worker({
        initContainers: [{ name: 'fetch', image: 'busybox:1.36', imagePullPolicy: kplus.ImagePullPolicy.NEVER }],
        containers: [{ name: 'trainer', image: 'python:3.12' }, { name: 'side', image: 'busybox', imagePullPolicy: kplus.ImagePullPolicy.ALWAYS }],
      })],
    }).spec.replicaSpecs[0].template.spec;
    expect(spec.containers.map((c: { imagePullPolicy?: string }) => c.imagePullPolicy)).toEqual([undefined, 'Always']);
    expect(spec.initContainers[0].imagePullPolicy).toEqual('Never');
  });

  test('an image that runs as root: a replica user keeps "restricted"; ensureNonRoot: false runs it as root, capabilities still dropped', () => {
    const withUser = synthJob({ replicaSpecs: [worker({ securityContext: { user: 1000 } })] }).spec.replicaSpecs[0].template.spec;
    expect(withUser.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    const asRoot = synthJob({ replicaSpecs: [worker({ securityContext: { ensureNonRoot: false } })] }).spec.replicaSpecs[0].template.spec;
    expect(asRoot.securityContext).toMatchObject({ runAsNonRoot: false });
    expect(asRoot.containers[0].securityContext).not.toHaveProperty('runAsNonRoot');
    expect(asRoot.containers[0].securityContext.capabilities).toEqual({ drop: ['ALL'] });
  });

  test('a capability added keeps the default drop of ALL; a drop given replaces it', () => {
    const spec = synthJob({
      replicaSpecs: [worker({
        containers: [
          { name: 'web', image: 'nginx', securityContext: { capabilities: { add: [kplus.Capability.NET_BIND_SERVICE] } } },
          { name: 'tool', image: 'busybox', securityContext: { capabilities: { drop: [kplus.Capability.NET_RAW] } } },
        ],
      })],
    }).spec.replicaSpecs[0].template.spec;
    expect(spec.containers[0].securityContext.capabilities).toEqual({ add: ['NET_BIND_SERVICE'], drop: ['ALL'] });
    expect(spec.containers[1].securityContext.capabilities).toEqual({ drop: ['NET_RAW'] });
  });

  test('a replica-level security context reaches every container (no container-level runAsNonRoot: false)', () => {
    const spec = synthJob({
      replicaSpecs: [worker({
        securityContext: { ensureNonRoot: true, user: 1000 },
        initContainers: [{ name: 'fetch', image: 'busybox' }],
        containers: [{ name: 'trainer', image: 'python:3.12' }, { image: 'python:3.12' }],
      })],
    }).spec.replicaSpecs[0].template.spec;
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    // What the kubelet enforces: the container's value if set, else the pod's.
    for (const c of [...spec.containers, ...spec.initContainers]) {
      expect(c.securityContext?.runAsNonRoot ?? spec.securityContext.runAsNonRoot).toBe(true);
    }
  });

  test('a container that sets ensureNonRoot keeps it, whatever the pod says', () => {
    const spec = synthJob({
      replicaSpecs: [worker({
        securityContext: { ensureNonRoot: true, user: 1000 },
        containers: [{ name: 'trainer', image: 'python:3.12', securityContext: { ensureNonRoot: false } }, { name: 'side', image: 'busybox' }],
      })],
    }).spec.replicaSpecs[0].template.spec;
    expect(spec.containers[0].securityContext.runAsNonRoot).toBe(false);
    expect(spec.containers[1].securityContext.runAsNonRoot).toBeUndefined();
  });

  test('the default replica meets Pod Security "restricted" field by field', () => {
    const spec = synthJob({
      replicaSpecs: [worker({
        containers: [{ name: 'trainer', image: 'python:3.12' }],
        initContainers: [{ name: 'fetch', image: 'busybox' }],
      })],
    }).spec.replicaSpecs[0].template.spec;
    expect(spec.securityContext.runAsNonRoot).toBe(true);
    for (const c of [...spec.containers, ...spec.initContainers]) {
      const sc = c.securityContext;
      // restricted: runAsNonRoot true (pod or container, and no container false), no privilege escalation,
      // drop ALL capabilities, a RuntimeDefault/Localhost seccomp profile; baseline: not privileged.
      expect(sc.runAsNonRoot ?? spec.securityContext.runAsNonRoot).toBe(true);
      expect(sc.runAsNonRoot).not.toBe(false);
      expect(sc.allowPrivilegeEscalation).toBe(false);
      expect(sc.privileged).toBe(false);
      expect(sc.capabilities.drop).toEqual(['ALL']);
      expect(sc.capabilities.add ?? []).toEqual([]);
      expect(sc.seccompProfile ?? spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      expect(sc.runAsUser ?? spec.securityContext.runAsUser).not.toBe(0);
    }
  });

  test('a replica or container security context hardens the pod where asked', () => {
    const spec = synthJob({
      replicaSpecs: [worker({
        securityContext: { ensureNonRoot: true, user: 1000 },
        containers: [{ name: 'trainer', image: 'python:3.12', securityContext: { ensureNonRoot: true, user: 1000, readOnlyRootFilesystem: true } }],
      })],
    }).spec;
    expect(spec.replicaSpecs[0].template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    const container = spec.replicaSpecs[0].template.spec.containers[0];
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true });
  });

  test('defaults: one replica restarted OnFailure with limit 0, no rules, no service', () => {
    const job = synthJob({ replicaSpecs: [{ type: 'main', containers: [{ image: 'busybox' }] }] });
    expect(job.spec.replicaSpecs[0]).toMatchObject({ replicas: 1, restartPolicy: { policy: 'OnFailure', limit: 0 } });
    expect(job.spec.successRules).toBeUndefined();
    expect(job.spec.service).toBeUndefined();
    // An empty run mode, not an absent one: enabling debug later is then a change at
    // spec.runMode.debug, the path the CRD makes immutable (see src/pulumi/immutable-fields.ts).
    expect(job.spec.runMode).toEqual({});
  });

  test('replica specs added after construction are rendered (lazy spec)', () => {
    const chart = Testing.chart();
    const job = new GenericJob(chart, 'job', { successRules: [FinishRule.ranks('master', 0)] });
    job.addReplicaSpec({ type: 'master', containers: [{ image: 'busybox' }] });
    job.addReplicaSpec(worker());
    expect(job.replicaTypes).toEqual(['master', 'worker']);
    const [out] = Testing.synth(chart);
    expect(out.spec.replicaSpecs.map((r: any) => r.type)).toEqual(['master', 'worker']);
  });

  test('typed rules, service ports, run modes, cleanup and T9k scheduler', () => {
    const job = synthJob({
      replicaSpecs: [worker(), { type: 'master', containers: [{ image: 'busybox' }] }],
      successRules: [FinishRule.of({ master: [0] }), FinishRule.of({ worker: [0, 1, 2] })],
      failureRules: [FinishRule.ranks('master', 0)],
      servicePorts: [{ name: 'http', port: 2222 }],
      debug: { enabled: false, replicas: [{ type: 'worker', skipInitContainer: true, command: ['/usr/bin/sshd'] }] },
      pause: { enabled: false, resume: [{ type: 'worker', args: ['--resume'] }] },
      cleanUpPolicy: CleanUpPolicy.UNFINISHED,
      t9kScheduler: { queue: 'default', priority: 50 },
    });
    expect(job.spec.successRules).toEqual([{ master: [0] }, { worker: [0, 1, 2] }]);
    expect(job.spec.failureRules).toEqual([{ master: [0] }]);
    expect(job.spec.service).toEqual({ ports: [{ name: 'http', port: 2222, protocol: 'TCP' }] });
    expect(job.spec.runMode).toEqual({
      debug: { enabled: false, replicaSpecs: [{ type: 'worker', skipInitContainer: true, command: ['/usr/bin/sshd'] }] },
      pause: { enabled: false, resumeSpecs: [{ type: 'worker', skipInitContainer: false, args: ['--resume'] }] },
    });
    expect(job.spec.cleanUpPolicy).toEqual('Unfinished');
    expect(job.spec.scheduler).toEqual({ t9kScheduler: { queue: 'default', priority: 50 } });
    expect(validateManifest(job)).toEqual([]);
  });

  test('T9k variable helpers produce the controller\'s syntax', () => {
    expect(T9kVariable.type).toEqual('$(type)');
    expect(T9kVariable.rank).toEqual('$(rank)');
    expect(T9kVariable.replicas('worker')).toEqual('$(replicas[worker])');
    expect(T9kVariable.serviceHost('worker', 1)).toEqual('$(service.worker[1].host)');
    expect(T9kVariable.servicePort('http')).toEqual('$(service.port[http])');
  });

  test('raw pod template escape hatch is emitted as given', () => {
    const template = { metadata: { labels: { team: 'ml' } }, spec: { containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } };
    const job = synthJob({ replicaSpecs: [{ type: 'worker', podTemplate: template }] });
    expect(job.spec.replicaSpecs[0].template).toEqual(template);
  });

  test('pod metadata, volumes and service accounts come through cdk8s-plus', () => {
    const chart = Testing.chart();
    const data = kplus.Volume.fromEmptyDir(chart, 'data', 'data');
    new GenericJob(chart, 'job', {
      replicaSpecs: [{
        type: 'worker',
        podMetadata: { labels: { team: 'ml' } },
        containers: [{ image: 'busybox', volumeMounts: [{ path: '/data', volume: data }] }],
      }],
    });
    const [job] = Testing.synth(chart);
    const template = job.spec.replicaSpecs[0].template;
    expect(template.metadata).toEqual({ labels: { team: 'ml' } });
    expect(template.spec.volumes).toEqual([{ name: 'data', emptyDir: {} }]);
  });

  test('the emitted resource validates against the GenericJob CRD schema', () => {
    const job = synthJob({ replicaSpecs: [worker()], successRules: [FinishRule.ranks('worker', 3)] });
    expect(validateManifest(job)).toEqual([]);
  });

  test('snapshot', () => {
    const chart = Testing.chart();
    new GenericJob(chart, 'job', {
      replicaSpecs: [worker({ containers: [{ name: 'trainer', image: 'python:3.12', command: ['python', 'train.py', '--rank', T9kVariable.rank] }] })],
      successRules: [FinishRule.ranks('worker', 0)],
    });
    expect(Testing.synth(chart)).toMatchSnapshot();
  });
});

describe('GenericJob bad props', () => {
  const at = (props: GenericJobProps) => () => new GenericJob(Testing.chart(), 'job', props);
  const atSynth = (props: GenericJobProps) => () => {
    const chart = Testing.chart();
    new GenericJob(chart, 'job', props);
    Testing.synth(chart);
  };

  test.each<[string, () => void, string]>([
    ['upper-case type', at({ replicaSpecs: [worker({ type: 'Worker_1' })] }),
      '\'replicaSpecs[0].type\' (\'Worker_1\') must be a DNS-1123 label: lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters'],
    ['duplicate type', at({ replicaSpecs: [worker(), worker()] }),
      '\'replicaSpecs[1].type\' (\'worker\') is already declared by \'replicaSpecs[0]\': replica types must be unique; merge them or rename one'],
    ['zero replicas', at({ replicaSpecs: [worker({ replicas: 0 })] }),
      '\'replicaSpecs[0].replicas\' (0) must be an integer from 1 to 1024'],
    ['fractional replicas', at({ replicaSpecs: [worker({ replicas: 1.5 })] }),
      '\'replicaSpecs[0].replicas\' (1.5) must be an integer from 1 to 1024'],
    ['negative restart limit', at({ replicaSpecs: [worker({ restartPolicy: ReplicaRestartPolicy.onFailure(-1) })] }),
      '\'replicaSpecs[0].restartPolicy\' limit (-1) must be an integer from 0 to 32767'],
    ['no containers', at({ replicaSpecs: [worker({ containers: [] })] }),
      '\'replicaSpecs[0].containers\' is empty: a replica needs at least one container, e.g. containers: [{ image: \'python:3.12\', command: [\'python\', \'train.py\'] }]'],
    ['pod template and containers', at({ replicaSpecs: [worker({ podTemplate: { spec: { containers: [{ name: 'c' }] } } })] }),
      '\'replicaSpecs[0]\' sets both \'podTemplate\' and pod props (\'containers\', \'initContainers\' or \'volumes\'): use one of them'],
    ['empty image', at({ replicaSpecs: [worker({ containers: [{ image: '' }] })] }),
      '\'replicaSpecs[0].containers[0].image\' ("") is empty: name the container image, e.g. \'python:3.12-slim\''],
    ['image with a leading space', at({ replicaSpecs: [worker({ containers: [{ image: ' python:3.12-slim' }] })] }),
      '\'replicaSpecs[0].containers[0].image\' (" python:3.12-slim") is not a valid image reference: it has leading or trailing whitespace; use \'python:3.12-slim\''],
    ['image with a space for a tag', at({ replicaSpecs: [worker({ containers: [{ image: 'Python 3.12-slim' }] })] }),
      '\'replicaSpecs[0].containers[0].image\' ("Python 3.12-slim") is not a valid image reference: it contains whitespace: separate the tag with \':\', e.g. \'python:3.12-slim\''],
    ['upper-case image path', at({ replicaSpecs: [worker({ initContainers: [{ image: 'registry.example.com/Team/Train:1.0' }] })] }),
      '\'replicaSpecs[0].initContainers[0].image\' ("registry.example.com/Team/Train:1.0") is not a valid image reference: the repository path must be lowercase; use \'registry.example.com/team/train:1.0\''],
    ['malformed digest', at({ replicaSpecs: [worker({ containers: [{ image: 'python@sha256:abc' }] })] }),
      '\'replicaSpecs[0].containers[0].image\' ("python@sha256:abc") is not a valid image reference: the digest after \'@\' (\'sha256:abc\') must be <algorithm>:<hex digits>, e.g. \'sha256:\' followed by 64 hex digits; copy the digest whole or drop \'@...\' and use a tag'],
    ['truncated sha256 digest', at({ replicaSpecs: [worker({ containers: [{ image: `python@sha256:${'a'.repeat(40)}` }] })] }),
      `'replicaSpecs[0].containers[0].image' ("python@sha256:${'a'.repeat(40)}") is not a valid image reference: a sha256 digest has 64 hex digits, this one has 40; copy the digest whole`],
    ['raw pod template image', at({ replicaSpecs: [{ type: 'worker', podTemplate: { spec: { containers: [{ name: 'c', image: 'python:3.12 ' }] } } }] }),
      '\'replicaSpecs[0].podTemplate.spec.containers[0].image\' ("python:3.12 ") is not a valid image reference: it has leading or trailing whitespace; use \'python:3.12\''],
    ['priority above 100', at({ replicaSpecs: [worker()], t9kScheduler: { queue: 'default', priority: 101 } }),
      '\'t9kScheduler.priority\' (101) must be an integer from 0 (lowest) to 100'],
    ['empty queue', at({ replicaSpecs: [worker()], t9kScheduler: { queue: ' ' } }),
      '\'t9kScheduler.queue\' is empty: name the T9k scheduler queue the job\'s PodGroup joins, e.g. \'default\''],
    ['service port out of range', at({ replicaSpecs: [worker()], servicePorts: [{ name: 'http', port: 70000 }] }),
      '\'servicePorts[0].port\' (70000) must be an integer from 1 to 65535'],
    ['duplicate service port name', at({ replicaSpecs: [worker()], servicePorts: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }] }),
      '\'servicePorts[1].name\' (\'http\') is used by another port: port names must be unique'],
    ['unnamed port among several', at({ replicaSpecs: [worker()], servicePorts: [{ name: 'http', port: 80 }, { port: 9090 }] }),
      '\'servicePorts[1]\' (port 9090) has no name: with more than one port, every port needs a name (Kubernetes rejects unnamed ports in a multi-port Service); add one, e.g. { name: \'port-9090\', port: 9090 }'],
    ['empty success rule', () => FinishRule.of({}),
      'FinishRule.of({}) names no replica: a rule needs at least one replica type with at least one rank, e.g. FinishRule.of({ worker: [0] }); an empty rule holds at once and would finish the job before any replica ran'],
    ['rule type with no ranks', () => FinishRule.of({ master: [0], worker: [] }),
      'FinishRule.of() gives replica type \'worker\' no ranks: list at least one, e.g. { "worker": [0] }, or leave the type out; an empty rule holds at once and would finish the job before any replica ran'],
    ['ranks() with no rank', () => FinishRule.ranks('worker'),
      'FinishRule.ranks(\'worker\') names no rank: list at least one, e.g. FinishRule.ranks(\'worker\', 0); an empty rule holds at once and would finish the job before any replica ran'],
    ['name too long for the replica names', atSynth({ metadata: { name: 'a'.repeat(53) }, replicaSpecs: [worker({ replicas: 1000 })] }),
      `'metadata.name' ('${'a'.repeat(53)}') is too long: replica '${'a'.repeat(53)}-worker-999' would have 64 characters, more than 63 (each replica's pod and Service is named <job>-<type>-<rank>, and its pods are labelled genericjob-replica=<that name>); shorten 'metadata.name' to at most 52 characters, or the replica type 'worker'`],
    ['generated name too long for the replica names', () => {
      const chart = Testing.chart();
      new GenericJob(chart, 'distributed-training-of-the-big-model', { replicaSpecs: [worker({ type: 'parameter-server', replicas: 100 })] });
      Testing.synth(chart);
    }, 'The name generated for GenericJob \'test/distributed-training-of-the-big-model\' (\'test-distributed-training-of-the-big-model-c8721fa5\') is too long: '
      + 'replica \'test-distributed-training-of-the-big-model-c8721fa5-parameter-server-99\' would have 71 characters, more than 63 (each replica\'s pod and Service '
      + 'is named <job>-<type>-<rank>, and its pods are labelled genericjob-replica=<that name>); set a \'metadata.name\' of at most 43 characters, or shorten the replica type \'parameter-server\''],
    ['replica type too long for any name', atSynth({ metadata: { name: 'j' }, replicaSpecs: [worker({ type: 'w'.repeat(60), replicas: 100 })] }),
      `'metadata.name' ('j') is too long: replica 'j-${'w'.repeat(60)}-99' would have 65 characters, more than 63 (each replica's pod and Service is named <job>-<type>-<rank>, and its pods are labelled genericjob-replica=<that name>); shorten the replica type '${'w'.repeat(60)}'`],
    ['service ports with a job name that is not a DNS-1035 label', atSynth({ metadata: { name: 'train.v2' }, replicaSpecs: [worker()], servicePorts: [{ name: 'http', port: 80 }] }),
      '\'metadata.name\' (\'train.v2\') cannot name the replica Services: with \'servicePorts\' each replica gets a headless Service <job>-<type>-<rank>, and a Service name must be a DNS-1035 label (start with a lowercase letter; only lowercase letters, digits and \'-\'; no dots); rename the job, e.g. \'train-v2\''],
    ['service ports with a job name starting with a digit', atSynth({ metadata: { name: '2nd-run' }, replicaSpecs: [worker()], servicePorts: [{ name: 'http', port: 80 }] }),
      '\'metadata.name\' (\'2nd-run\') cannot name the replica Services: with \'servicePorts\' each replica gets a headless Service <job>-<type>-<rank>, and a Service name must be a DNS-1035 label (start with a lowercase letter; only lowercase letters, digits and \'-\'; no dots); rename the job, e.g. \'job-2nd-run\''],
    ['no replica specs', atSynth({}),
      '\'replicaSpecs\' is empty: a GenericJob needs at least one replica spec; pass \'replicaSpecs\' or call addReplicaSpec()'],
    ['rule names an undeclared type', atSynth({ replicaSpecs: [worker()], successRules: [FinishRule.ranks('chief', 0)] }),
      '\'successRules[0]\' names replica type \'chief\', but the job declares only \'worker\''],
    ['rule names a rank out of range', atSynth({ replicaSpecs: [worker()], failureRules: [FinishRule.ranks('worker', 4)] }),
      '\'failureRules[0]\' names rank 4 of \'worker\', but \'worker\' has 4 replicas (ranks 0 to 3)'],
    ['debug names an undeclared type', atSynth({ replicaSpecs: [worker()], debug: { replicas: [{ type: 'ps' }] } }),
      '\'debug.replicas[0].type\' names replica type \'ps\', but the job declares only \'worker\''],
    ['service variable without service ports', atSynth({ replicaSpecs: [worker({ containers: [{ name: 'c', image: 'x', args: [T9kVariable.serviceHost('worker', 0)] }] })] }),
      '\'replicaSpecs[0]\' container \'c\' uses \'$(service.worker[0].host)\', but the job has no \'servicePorts\': add servicePorts so the controller creates the replica Services'],
    ['replicas variable for an undeclared type', atSynth({ replicaSpecs: [worker({ containers: [{ name: 'c', image: 'x', args: [T9kVariable.replicas('ps')] }] })] }),
      '\'replicaSpecs[0]\' container \'c\' uses \'$(replicas[ps])\', but the job declares only \'worker\''],
    ['unknown service port name', atSynth({ replicaSpecs: [worker({ containers: [{ name: 'c', image: 'x', args: [T9kVariable.servicePort('grpc')] }] })], servicePorts: [{ name: 'http', port: 80 }] }),
      '\'replicaSpecs[0]\' container \'c\' uses \'$(service.port[grpc])\', but no service port is named \'grpc\' (named ports: \'http\')'],
  ])('%s', (_name, act, message) => {
    expect(act).toThrow(message);
  });

  test('a name of exactly 63 characters for the highest replica is accepted; without servicePorts a dotted name is fine', () => {
    expect(synthJob({ metadata: { name: 'a'.repeat(52) }, replicaSpecs: [worker({ replicas: 1000 })] }).metadata.name).toHaveLength(52);
    expect(synthJob({ metadata: { name: 'train.v2' }, replicaSpecs: [worker()] }).metadata.name).toEqual('train.v2');
    expect(synthJob({ replicaSpecs: [worker()], servicePorts: [{ port: 80 }] }).spec.service).toEqual({ ports: [{ port: 80, protocol: 'TCP' }] });
  });

  test('the same name rules hold for a raw manifest at synth (validateManifest reads them from the CRD)', () => {
    const job = synthJob({ metadata: { name: 'a'.repeat(52) }, replicaSpecs: [worker({ replicas: 1000 })] });
    expect(validateManifest({ ...job, metadata: { name: 'a'.repeat(53) } })).toEqual([expect.stringContaining('is too long: replica')]);
  });

  test('a change made after a synth that passed is validated at the next synth', () => {
    const chart = Testing.chart();
    const job = new GenericJob(chart, 'job', { replicaSpecs: [worker()] });
    Testing.synth(chart);
    job.apiObject.addJsonPatch(JsonPatch.add('/spec/replicaSpecs/0/replicas', 0));
    expect(() => Testing.synth(chart)).toThrow('spec.replicaSpecs[0].replicas: must be >= 1 (got 0)');
  });

  test('an invalid raw pod template fails schema validation at synth with the field path', () => {
    const act = atSynth({ replicaSpecs: [{ type: 'worker', podTemplate: { spec: { containers: [{ name: 'Bad_Name' }] } } }] });
    expect(act).toThrow('spec.replicaSpecs[0].template.spec.containers[0].name: must match pattern "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" (got "Bad_Name")');
  });
});
