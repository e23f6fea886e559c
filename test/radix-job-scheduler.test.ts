import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Node } from 'constructs';
import type { RadixJobDefinition } from '../imports/kubejobs.dev';
import {
  api,
  BatchStatusRule,
  JOB_SCHEDULER_PERMISSIONS,
  LogLevel,
  RadixBatchStatus,
  RadixJobScheduler,
  RadixJobSchedulerProps,
  RadixJobStatus,
} from '../src';

const MINIMAL: RadixJobSchedulerProps = { name: 'compute', namespace: 'ml', image: 'registry.example.com/compute:1.0.0', schedulerPort: 8000 };

/** The radixconfig example of shared/seeds/004 and the Radix reference, as props. */
const FULL: RadixJobSchedulerProps = {
  name: 'etl',
  namespace: 'ml',
  image: 'registry.example.com/etl:{imageTagName}',
  imageTagName: '2.1.0',
  schedulerPort: 9000,
  payloadPath: '/etl/args',
  ports: [{ name: 'http', port: 3000 }],
  resources: {
    cpu: { request: kplus.Cpu.millis(400), limit: kplus.Cpu.units(0.5) },
    memory: { request: Size.mebibytes(256), limit: Size.mebibytes(384) },
  },
  node: { gpu: 'nvidia-v100, -nvidia-k80', gpuCount: 2 },
  timeLimit: Duration.seconds(100),
  backoffLimit: 5,
  variables: { DB_NAME: 'etl-db' },
  secrets: [{ name: 'DB_PASS', secretName: 'etl-db', key: 'password' }],
  notifications: { webhook: 'http://backend:5000/monitor-batch-status' },
  batchStatusRules: [
    BatchStatusRule.anyJobIn([RadixJobStatus.FAILED], RadixBatchStatus.FAILED),
    BatchStatusRule.allJobsNotIn([RadixJobStatus.WAITING, RadixJobStatus.ACTIVE, RadixJobStatus.RUNNING], RadixBatchStatus.COMPLETED),
  ],
  schedulerTag: '9.9.9',
};

function synth(props: RadixJobSchedulerProps = MINIMAL): any[] {
  const chart = Testing.chart();
  new RadixJobScheduler(chart, 'scheduler', props);
  return Testing.synth(chart);
}

const byKind = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind);
const one = (objects: any[], kind: string) => {
  const found = byKind(objects, kind);
  expect(found).toHaveLength(1);
  return found[0];
};
const definitionIn = (objects: any[]): RadixJobDefinition => JSON.parse(one(objects, 'ConfigMap').data['job-definition.json']);

describe('RadixJobScheduler', () => {
  test('emits the scheduler objects, all in the namespace, with names derived from the component', () => {
    const objects = synth();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/compute-job-definition',
      'Deployment/compute',
      'NetworkPolicy/compute-job-scheduler',
      'Role/compute-job-scheduler',
      'RoleBinding/compute-job-scheduler',
      'Service/compute',
      'ServiceAccount/compute-job-scheduler',
    ]);
    for (const o of objects) expect(o.metadata.namespace).toEqual('ml');
  });

  test('the Service is named after the component and listens on schedulerPort', () => {
    const chart = Testing.chart();
    const scheduler = new RadixJobScheduler(chart, 'scheduler', FULL);
    const objects = Testing.synth(chart);
    const svc = one(objects, 'Service');
    expect(svc.metadata.name).toEqual('etl');
    expect(svc.spec.type).toEqual('ClusterIP');
    expect(svc.spec.ports).toEqual([{ name: 'scheduler-port', port: 9000, targetPort: 9000 }]);
    expect(one(objects, 'Deployment').spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    expect(scheduler.url).toEqual('http://etl:9000');
  });

  test('the ConfigMap holds the job definition, which validates against its schema', () => {
    for (const props of [MINIMAL, FULL]) {
      const definition = definitionIn(synth(props));
      expect(api.validateJobDefinition(definition)).toEqual([]);
      expect(definition).toMatchObject({ apiVersion: 'kubejobs.dev/v1', kind: 'RadixJobDefinition', namespace: 'ml' });
    }
  });

  test('the definition resolves Radix\'s defaults: 12 hours time limit, no retries', () => {
    expect(definitionIn(synth()).job).toEqual({
      name: 'compute',
      image: 'registry.example.com/compute:1.0.0',
      schedulerPort: 8000,
      timeLimitSeconds: 43200,
      backoffLimit: 0,
    });
  });

  test('the definition keeps Radix field names and shapes', () => {
    const definition = definitionIn(synth(FULL));
    expect(definition.job).toEqual({
      name: 'etl',
      image: 'registry.example.com/etl:{imageTagName}',
      imageTagName: '2.1.0',
      schedulerPort: 9000,
      payload: { path: '/etl/args' },
      ports: [{ name: 'http', port: 3000 }],
      resources: { requests: { cpu: '400m', memory: '256Mi' }, limits: { cpu: '500m', memory: '384Mi' } },
      node: { gpu: 'nvidia-v100, -nvidia-k80', gpuCount: 2 },
      timeLimitSeconds: 100,
      backoffLimit: 5,
      variables: { DB_NAME: 'etl-db' },
      secrets: [{ name: 'DB_PASS', secretKeyRef: { name: 'etl-db', key: 'password' } }],
      notifications: { webhook: 'http://backend:5000/monitor-batch-status' },
      batchStatusRules: [
        { condition: 'Any', operator: 'In', jobStatuses: ['Failed'], batchStatus: 'Failed' },
        { condition: 'All', operator: 'NotIn', jobStatuses: ['Waiting', 'Active', 'Running'], batchStatus: 'Completed' },
      ],
    });
    expect(definition.objects.labels).toEqual({
      'app.kubernetes.io/managed-by': 'kubejobs-job-scheduler',
      'radix-component': 'etl',
      'radix-job-type': 'job-scheduler',
    });
  });

  test('the scheduler pods do not carry the labels of the objects it manages', () => {
    const objects = synth(FULL);
    const podLabels = one(objects, 'Deployment').spec.template.metadata.labels;
    const managed = definitionIn(objects).objects.labels;
    expect(Object.entries(managed).every(([k, v]) => podLabels[k] === v)).toBe(false);
  });

  test('variables and secrets go to the job definition, not to the scheduler pod', () => {
    const objects = synth(FULL);
    const [c] = one(objects, 'Deployment').spec.template.spec.containers;
    expect(c.env).toBeUndefined();
    expect(c.envFrom).toBeUndefined();
    expect(JSON.stringify(one(objects, 'Deployment'))).not.toContain('DB_NAME');
  });

  test('the scheduler pod meets Pod Security "restricted"', () => {
    const pod = one(synth(FULL), 'Deployment').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 });
    expect(pod.hostNetwork).toBeUndefined(); // false is the default; the server would drop it
    expect(pod.hostPID).toBeUndefined();
    expect(pod.hostIPC).toBeUndefined();
    for (const c of pod.containers) {
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsGroup: 65532,
        runAsNonRoot: true,
        runAsUser: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      });
    }
    // Restricted allows only these volume types; the definition is a ConfigMap volume.
    for (const v of pod.volumes) expect(Object.keys(v).filter((k) => k !== 'name')).toEqual(['configMap']);
  });

  test('runs `kubejobs job-scheduler` from the bundled image, reading the mounted definition', () => {
    const deployment = one(synth({ ...FULL, logLevel: LogLevel.DEBUG }), 'Deployment');
    const pod = deployment.spec.template.spec;
    const [c] = pod.containers;
    expect(deployment.spec.replicas).toEqual(1);
    expect(c.image).toEqual('ghcr.io/kubejobs/kubejobs:9.9.9');
    expect(c.args).toEqual([
      'job-scheduler', '--job-definition=/etc/kubejobs/job-definition.json', '--port=9000',
      '--metrics-bind-address=:9090', '--health-probe-bind-address=:9091', '--log-level=debug',
      // The default 512 MiB memory limit: (512 - 192) / 4 = 80 MiB of bodies in flight, 32 MiB each.
      `--max-request-bytes=${32 * 1024 * 1024}`, `--max-in-flight-bytes=${80 * 1024 * 1024}`,
    ]);
    expect(c.ports).toEqual([
      { containerPort: 9000, name: 'scheduler-port' },
      { containerPort: 9090, name: 'metrics' },
      { containerPort: 9091, name: 'health' },
    ]);
    expect(c.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 9091 });
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 9091 });
    expect(c.volumeMounts).toEqual([{ mountPath: '/etc/kubejobs', name: 'job-definition', readOnly: true }]);
    expect(pod.volumes).toEqual([{ name: 'job-definition', configMap: { name: 'etl-job-definition' } }]);
    expect(pod.serviceAccountName).toEqual('etl-job-scheduler');
    expect(pod.automountServiceAccountToken).toBe(true);
  });

  test('the image defaults to this package\'s version of the bundled image', () => {
    const [c] = one(synth(), 'Deployment').spec.template.spec.containers;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(c.image).toEqual(`ghcr.io/kubejobs/kubejobs:${require('../package.json').version}`);
  });

  test('a changed definition changes the pod template, so the scheduler restarts and rereads it', () => {
    const hash = (props: RadixJobSchedulerProps) => one(synth(props), 'Deployment').spec.template.metadata.annotations['kubejobs.dev/job-definition-sha256'];
    expect(hash(MINIMAL)).toMatch(/^[0-9a-f]{64}$/);
    expect(hash(MINIMAL)).toEqual(hash({ ...MINIMAL }));
    expect(hash({ ...MINIMAL, backoffLimit: 1 })).not.toEqual(hash(MINIMAL));
  });

  test('RBAC: exactly the scheduler permissions, namespaced, and no Secret can be read', () => {
    const objects = synth();
    const role = one(objects, 'Role');
    expect(role.rules).toEqual([
      { apiGroups: ['kubejobs.dev'], resources: ['radixbatches'], verbs: ['create', 'get', 'list', 'patch', 'delete'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    ]);
    expect(role.rules).toEqual(JOB_SCHEDULER_PERMISSIONS.map((p) => ({ apiGroups: [p.apiGroup], resources: [...p.resources], verbs: [...p.verbs] })));
    expect(byKind(objects, 'ClusterRole')).toEqual([]);
    expect(byKind(objects, 'ClusterRoleBinding')).toEqual([]);
    expect(JSON.stringify(role.rules)).not.toContain('"*"');
    expect(JSON.stringify(role.rules)).not.toContain('pods/log');
    expect(one(objects, 'RoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'compute-job-scheduler', namespace: 'ml' }]);
    expect(one(objects, 'RoleBinding').roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'compute-job-scheduler' });
  });

  test('RBAC: the scheduler never creates Jobs, pods or Services, ports or not (the controller does)', () => {
    const rules = JSON.stringify(one(synth(FULL), 'Role').rules);
    expect(one(synth(FULL), 'Role').rules).toEqual(one(synth(), 'Role').rules);
    for (const resource of ['services', 'jobs', 'pods']) expect(rules).not.toContain(`"${resource}"`);
  });

  test('the NetworkPolicy admits only pods of the same namespace, to the scheduler and metrics ports', () => {
    const objects = synth(FULL);
    const policy = one(objects, 'NetworkPolicy');
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress).toEqual([
      { from: [{ podSelector: {} }], ports: [{ port: 9000, protocol: 'TCP' }, { port: 9090, protocol: 'TCP' }] },
    ]);
    expect(one(objects, 'Deployment').spec.template.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
  });

  test('the namespace defaults to the chart\'s', () => {
    const chart = new Chart(Testing.app(), 'jobs', { namespace: 'team-a' });
    const { namespace, ...props } = MINIMAL;
    const scheduler = new RadixJobScheduler(chart, 'scheduler', props);
    const objects = Testing.synth(chart);
    expect(scheduler.namespace).toEqual('team-a');
    expect(definitionIn(objects).namespace).toEqual('team-a');
    for (const o of objects) expect(o.metadata.namespace).toEqual('team-a');
  });

  test('whole-unit CPU is written in millicores and odd memory in KiB, as Radix requires', () => {
    const job = definitionIn(synth({
      ...MINIMAL,
      resources: { cpu: { request: kplus.Cpu.units(2) }, memory: { limit: Size.kibibytes(1536) } },
    })).job;
    expect(job.resources).toEqual({ requests: { cpu: '2000m' }, limits: { memory: '1536Ki' } });
  });

  test('a webhook may name a Service of another namespace', () => {
    const webhook = 'https://hooks.monitoring.svc.cluster.local:8443/radix';
    expect(definitionIn(synth({ ...MINIMAL, notifications: { webhook } })).job.notifications).toEqual({ webhook });
  });

  test('it is a group of standard objects, not one resource: no default child', () => {
    const chart = Testing.chart();
    const scheduler = new RadixJobScheduler(chart, 'scheduler', MINIMAL);
    expect(Node.of(scheduler).defaultChild).toBeUndefined();
    expect(scheduler.deployment).toBeInstanceOf(kplus.Deployment);
    expect(scheduler.definition.job.name).toEqual('compute');
  });

  test('snapshot', () => {
    expect(synth(FULL)).toMatchSnapshot();
  });
});

describe('RadixJobScheduler bad props', () => {
  const at = (props: Partial<RadixJobSchedulerProps>) => () => new RadixJobScheduler(Testing.chart(), 's', { ...MINIMAL, ...props });
  test.each<[string, () => void, string]>([
    ['name not a DNS-1035 label', at({ name: '2compute' }),
      '\'name\' (\'2compute\') must be a DNS-1035 label of at most 63 characters (lowercase letters, digits and \'-\', starting with a letter and ending with a letter or digit): it names the Service callers reach at http://<name>:<schedulerPort>'],
    ['no namespace anywhere', at({ namespace: undefined }),
      '\'namespace\' is not set and the chart has no namespace: set one of them (the job-scheduler creates its jobs in its own namespace only)'],
    ['privileged scheduler port', at({ schedulerPort: 80 }),
      '\'schedulerPort\' (80) must be an integer from 1024 to 65535: Radix allows no other, and the scheduler runs as non-root'],
    ['image placeholder without a tag', at({ image: 'registry.example.com/compute:{imageTagName}' }),
      '\'image\' (\'registry.example.com/compute:{imageTagName}\') ends with \':{imageTagName}\' but \'imageTagName\' is not set: set imageTagName to the tag jobs use when a request names none'],
    ['tag without a placeholder', at({ imageTagName: '1.0' }),
      '\'imageTagName\' (\'1.0\') is set but \'image\' (\'registry.example.com/compute:1.0.0\') does not end with \':{imageTagName}\': put the placeholder where the tag goes, or remove imageTagName'],
    ['placeholder not as the tag', at({ image: 'registry.example.com/{imageTagName}/compute', imageTagName: '1' }),
      '\'image\' (\'registry.example.com/{imageTagName}/compute\') may use {imageTagName} only as its whole tag, at the end, e.g. \'registry.example.com/compute:{imageTagName}\''],
    ['relative payload path', at({ payloadPath: 'compute/args' }),
      '\'payloadPath\' (\'compute/args\') must be an absolute directory in the job container, not \'/\', without \':\' or \'..\', e.g. \'/compute/args\''],
    ['job port below 1024', at({ ports: [{ name: 'http', port: 80 }] }),
      '\'ports[0].port\' (80) must be an integer from 1024 to 65535 (Radix\'s range for job ports)'],
    ['job port name too long', at({ ports: [{ name: 'a-very-long-port-name', port: 3000 }] }),
      '\'ports[0].name\' (\'a-very-long-port-name\') must be a port name: at most 15 lowercase letters, digits and \'-\', with at least one letter, starting and ending with a letter or digit'],
    ['duplicate job port', at({ ports: [{ name: 'http', port: 3000 }, { name: 'grpc', port: 3000 }] }),
      '\'ports[1]\' has the same number 3000 as \'ports[0]\': give every port its own name and number'],
    ['cpu below a millicore', at({ resources: { cpu: { request: kplus.Cpu.units(0.0005) } } }),
      '\'resources.cpu.request\' (0.0005) must be a whole number of millicores, e.g. Cpu.millis(250): Radix accepts CPU only as \'<n>m\''],
    ['memory request over limit', at({ resources: { memory: { request: Size.gibibytes(1), limit: Size.mebibytes(512) } } }),
      '\'resources.memory.request\' (1024Mi) must be <= \'resources.memory.limit\' (512Mi)'],
    ['gpu list with an empty entry', at({ node: { gpu: 'nvidia-v100,,-nvidia-k80' } }),
      '\'node.gpu\' (\'nvidia-v100,,-nvidia-k80\') has an empty entry: list GPU types separated by commas, e.g. \'nvidia-v100, -nvidia-k80\''],
    ['gpu type with a space', at({ node: { gpu: 'nvidia v100' } }),
      '\'node.gpu\' entry \'nvidia v100\' is not a GPU type: use at most 63 letters, digits, \'-\', \'_\' and \'.\' (a node label value), with a leading \'-\' to exclude the type'],
    ['gpu both wanted and excluded', at({ node: { gpu: 'nvidia-k80, -NVIDIA-K80' } }),
      '\'node.gpu\' (\'nvidia-k80, -NVIDIA-K80\') both wants and excludes \'nvidia-k80\': keep one of \'nvidia-k80\' and \'-nvidia-k80\''],
    ['zero gpus', at({ node: { gpu: 'nvidia-v100', gpuCount: 0 } }),
      '\'node.gpuCount\' (0) must be a positive integer: the minimum number of GPUs on the node'],
    ['time limit of zero', at({ timeLimit: Duration.seconds(0) }),
      '\'timeLimit\' (0 seconds) must be a whole number of seconds, at least 1 second: it becomes Radix\'s timeLimitSeconds'],
    ['fractional time limit', at({ timeLimit: Duration.millis(1500) }),
      '\'timeLimit\' (1 second 500 millis) must be a whole number of seconds, at least 1 second: it becomes Radix\'s timeLimitSeconds'],
    ['negative backoff limit', at({ backoffLimit: -1 }),
      '\'backoffLimit\' (-1) must be an integer from 0 to 2147483647: the number of retries of a failed job container'],
    ['bad variable name', at({ variables: { 'DB-NAME': 'x' } }),
      '\'variables\' name (\'DB-NAME\') must be an environment variable name: letters, digits and \'_\', not starting with a digit'],
    ['reserved variable name', at({ variables: { RADIX_JOB_NAME: 'x' } }),
      '\'variables\' name (\'RADIX_JOB_NAME\') uses the prefix \'RADIX_\', which the scheduler keeps for the variables it sets (RADIX_JOB_NAME, ...): rename it'],
    ['secret and variable of the same name', at({ variables: { DB_PASS: 'x' }, secrets: [{ name: 'DB_PASS', secretName: 'db', key: 'password' }] }),
      '\'secrets[0].name\' (\'DB_PASS\') is also set in \'variables\': an environment variable comes from one place; remove one of them'],
    ['bad secret name', at({ secrets: [{ name: 'DB_PASS', secretName: 'DB_Secret', key: 'password' }] }),
      '\'secrets[0].secretName\' (\'DB_Secret\') must be a Secret name: a DNS-1123 subdomain of lowercase letters, digits, \'-\' and \'.\''],
    ['bad secret key', at({ secrets: [{ name: 'DB_PASS', secretName: 'db', key: 'pass/word' }] }),
      '\'secrets[0].key\' (\'pass/word\') must be a key of a Secret\'s data: letters, digits, \'-\', \'_\' and \'.\''],
    ['webhook outside the cluster', at({ notifications: { webhook: 'https://hooks.example.com:443/radix' } }),
      '\'notifications.webhook\' (\'https://hooks.example.com:443/radix\') must call a Service in the cluster, as Radix calls only components of the application: use http://<service>:<port>/<path> or http://<service>.<namespace>.svc:<port>/<path>'],
    ['webhook without a port', at({ notifications: { webhook: 'http://backend/radix' } }),
      '\'notifications.webhook\' (\'http://backend/radix\') needs an explicit port from 1 to 65535, as Radix requires: e.g. \'http://backend:8080/radix\''],
    ['webhook over another scheme', at({ notifications: { webhook: 'ftp://backend:21/radix' } }),
      '\'notifications.webhook\' (\'ftp://backend:21/radix\') uses \'ftp\': Radix calls webhooks over http or https only'],
    ['webhook with credentials', at({ notifications: { webhook: 'http://user:s3cret@backend:8080/radix' } }),
      '\'notifications.webhook\' has credentials in it: the job definition is a ConfigMap, no place for secrets; let the callee trust the namespace instead'],
    ['batch status rule without statuses', at({ batchStatusRules: [BatchStatusRule.anyJobIn([], RadixBatchStatus.FAILED)] }),
      '\'batchStatusRules[0]\' lists no job statuses: name the statuses the rule tests, e.g. BatchStatusRule.anyJobIn([RadixJobStatus.FAILED], RadixBatchStatus.FAILED)'],
    ['batch status rule with a status twice', at({ batchStatusRules: [BatchStatusRule.allJobsIn([RadixJobStatus.SUCCEEDED, RadixJobStatus.SUCCEEDED], RadixBatchStatus.SUCCEEDED)] }),
      '\'batchStatusRules[0]\' lists the job status \'Succeeded\' twice: list each status once'],
    ['metrics port on the scheduler port', at({ schedulerPort: 9090 }),
      '\'schedulerPort\' and \'metricsPort\' are both 9090: give the scheduler\'s ports different numbers'],
    ['empty scheduler tag', at({ schedulerTag: ' ' }),
      '\'schedulerTag\' is empty: give an image tag, or leave it unset for this package\'s version'],
  ])('%s', (_name, act, message) => {
    let error: Error | undefined;
    try {
      act();
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toEqual(message);
  });
});

describe('validateJobDefinition', () => {
  const valid = (): any => {
    const chart = Testing.chart();
    return JSON.parse(JSON.stringify(new RadixJobScheduler(chart, 's', FULL).definition));
  };

  test('a definition from the construct is valid', () => {
    expect(api.validateJobDefinition(valid())).toEqual([]);
  });

  test('refuses a version it does not know, whatever the rest says', () => {
    expect(api.validateJobDefinition({ ...valid(), apiVersion: 'kubejobs.dev/v2' })).toEqual([
      'apiVersion/kind: "kubejobs.dev/v2"/"RadixJobDefinition" is not a job definition this version of kubejobs reads; expected \'kubejobs.dev/v1\'/\'RadixJobDefinition\': regenerate it with the RadixJobScheduler construct of the same kubejobs version as the scheduler image',
    ]);
    expect(api.validateJobDefinition(undefined)).toHaveLength(1);
  });

  test('unknown fields are errors, so a secret value cannot slip in beside its reference', () => {
    const doc = valid();
    doc.job.secrets[0].value = 'hunter2';
    expect(api.validateJobDefinition(doc)).toEqual([
      'job.secrets[0].value: unknown field; the job-scheduler would refuse the definition. Remove it or check its spelling',
    ]);
  });

  test('required fields and Radix ranges', () => {
    const doc = valid();
    delete doc.job.timeLimitSeconds;
    doc.job.schedulerPort = 80;
    doc.job.node.gpuCount = 0;
    expect(api.validateJobDefinition(doc)).toEqual([
      'job.timeLimitSeconds: required field is missing',
      'job.schedulerPort: must be >= 1024 (got 80)',
      'job.node.gpuCount: must be >= 1 (got 0)',
    ]);
  });

  test('enums of the batch status rules', () => {
    const doc = valid();
    doc.job.batchStatusRules[0].batchStatus = 'Successful';
    expect(api.validateJobDefinition(doc)).toEqual([
      'job.batchStatusRules[0].batchStatus: "Successful" is not one of "Waiting", "Active", "Running", "Succeeded", "Failed", "Stopping", "Stopped", "Completed"',
    ]);
  });

  test('cross-field rules: image tag placeholder, duplicates, variables vs secrets', () => {
    const doc = valid();
    delete doc.job.imageTagName;
    doc.job.variables.DB_PASS = 'plain';
    doc.job.batchStatusRules[0].jobStatuses = ['Failed', 'Failed'];
    expect(api.validateJobDefinition(doc)).toEqual([
      'job.imageTagName is required when job.image ends with \':{imageTagName}\': it is the tag jobs use unless a request names another',
      'job.secrets and job.variables set the same environment variable: keep it in one of them',
      'job.batchStatusRules[0].jobStatuses: lists a status twice: list each status once',
    ]);
  });

  test('a webhook outside the cluster breaks the contract', () => {
    const doc = valid();
    doc.job.notifications.webhook = 'https://hooks.example.com:443/x';
    const [error] = api.validateJobDefinition(doc);
    expect(error).toMatch(/^job\.notifications\.webhook: must match pattern/);
  });
});
