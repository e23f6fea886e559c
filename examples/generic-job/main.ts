import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { FinishRule, GenericJob, ReplicaRestartPolicy, T9kVariable } from 'kubejobs';

// A multi-worker Keras job in the style of T9k's tutorial: 4 workers that find each other through
// per-replica Services, succeed when worker 0 succeeds, and restart a failed worker once.
const app = new App();
const chart = new Chart(app, 'keras-multiworker', { namespace: 'demo' });
// The namespace the objects live in, in a chart applied first (its file sorts first).
const namespaces = new Chart(app, 'namespaces');
new kplus.Namespace(namespaces, 'demo', { metadata: { name: 'demo' } });
chart.addDependency(namespaces);

const workers = [0, 1, 2, 3].map((rank) => `"${T9kVariable.serviceHost('worker', rank)}:${T9kVariable.servicePort('http')}"`);
const tfConfig = `{"cluster":{"worker":[${workers.join(',')}]},"task":{"type":"${T9kVariable.type}","index":${T9kVariable.rank}}}`;

new GenericJob(chart, 'keras', {
  metadata: { name: 'keras-multiworker' },
  replicaSpecs: [
    {
      type: 'worker',
      replicas: 4,
      restartPolicy: ReplicaRestartPolicy.onFailure(1),
      containers: [
        {
          name: 'tensorflow',
          image: 't9kpublic/tensorflow-2.11.0:tutorial',
          command: ['python', 'main.py', '--save_path', '/tmp/model'],
          envVariables: { TF_CONFIG: { value: tfConfig } },
          portNumber: 2222,
          securityContext: { ensureNonRoot: false, readOnlyRootFilesystem: false },
        },
      ],
    },
  ],
  successRules: [FinishRule.ranks('worker', 0)],
  failureRules: [FinishRule.ranks('worker', 0)],
  servicePorts: [{ name: 'http', port: 2222 }],
});

app.synth();
