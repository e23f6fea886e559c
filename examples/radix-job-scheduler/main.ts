import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { BatchStatusRule, RadixBatchStatus, RadixJobScheduler, RadixJobStatus } from 'kubejobs';

// The Radix `compute` job component of radixconfig.yaml, with its job-scheduler: other pods of
// the namespace start jobs with `POST http://compute:8000/api/v1/jobs` and batches with
// `POST http://compute:8000/api/v1/batches`, exactly as on Radix.
const app = new App();
const chart = new Chart(app, 'compute', { namespace: 'ml' });
// The namespace the objects live in, in a chart applied first (its file sorts first). Radix runs
// its pods as non-root; the scheduler meets Pod Security "restricted", and so must the job image.
const namespaces = new Chart(app, 'namespaces');
new kplus.Namespace(namespaces, 'ml', { metadata: { name: 'ml', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } });
chart.addDependency(namespaces);

new RadixJobScheduler(chart, 'compute', {
  name: 'compute',
  image: 'registry.example.com/ml/compute:{imageTagName}',
  imageTagName: '1.4.0',
  schedulerPort: 8000,
  // A request's payload is mounted as /compute/args/payload.
  payloadPath: '/compute/args',
  ports: [{ name: 'http', port: 3000 }],
  resources: {
    cpu: { request: kplus.Cpu.millis(400), limit: kplus.Cpu.millis(500) },
    memory: { request: Size.mebibytes(256), limit: Size.mebibytes(384) },
  },
  node: { gpu: 'nvidia-v100, -nvidia-k80', gpuCount: 2 },
  timeLimit: Duration.hours(2),
  backoffLimit: 2,
  variables: { DB_NAME: 'compute-db' },
  secrets: [{ name: 'DB_PASS', secretName: 'compute-db', key: 'password' }],
  notifications: { webhook: 'http://backend:5000/monitor-batch-status' },
  batchStatusRules: [
    BatchStatusRule.anyJobIn([RadixJobStatus.FAILED], RadixBatchStatus.FAILED),
    BatchStatusRule.allJobsNotIn([RadixJobStatus.WAITING, RadixJobStatus.ACTIVE, RadixJobStatus.RUNNING], RadixBatchStatus.COMPLETED),
  ],
});

app.synth();
