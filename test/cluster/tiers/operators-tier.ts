import * as fs from 'node:fs';
import * as path from 'node:path';
import { KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { BuiltComponent, component } from './tier-binaries';
import { TierProcesses } from './tier-processes';
import { kustomizationFiles, kustomizeRbac, Manifest, readManifests } from './upstream-manifests';
import { installServingCerts, makeWebhookCerts, WebhookCerts } from './webhook-certs';
import { waitUntilAllowed } from '../access-review';
import { ControlPlane } from '../control-plane';
import { freePorts } from '../free-port';
import { applyManifests } from '../kube-helpers';
import { serviceAccountUser } from '../kube-requests';
import { writeKubeconfig } from '../kubeconfig-file';
import { ManagedProcess } from '../processes';
import { get, waitUntil } from '../readiness';
import { requestServiceAccountToken } from '../service-account-token';

/** Where the upstream install puts the AppWrapper controller (what `AppWrapperVolcanoAccess` binds by default). */
export const APPWRAPPER_NAMESPACE = 'appwrapper-system';
export const APPWRAPPER_SERVICE_ACCOUNT = 'appwrapper-controller-manager';
export const KUEUE_NAMESPACE = 'kueue-system';
export const TRAINING_OPERATOR_NAMESPACE = 'kubeflow';

/** Kueue, the AppWrapper controller and the training-operator running against a control plane. */
export interface OperatorsTier {
  /** Stops the operators and their relays by PID. */
  stop(): Promise<void>;
  /** The last lines of their logs. */
  dumpLogs(lines?: number): string;
}

// Fixed ports inside the private network namespace (nothing else listens there).
const APPWRAPPER_WEBHOOK_PORT = 9443; // hard-coded by the AppWrapper controller, all interfaces
const TRAINING_OPERATOR_WEBHOOK_PORT = 9444; // a flag, but it binds all interfaces
const RELAY = path.join(__dirname, 'netns-relay.js');
/** Kueue CRDs upstream serves through its conversion webhook (config/components/crd/patches/webhook_in_*). */
const KUEUE_CONVERTED = ['localqueues', 'clusterqueues', 'cohorts', 'workloads', 'multikueueclusters'];

/**
 * The CRDs of Kueue, the AppWrapper and the PyTorchJob as upstream ships them (from the tier's
 * kept manifests). `mapKueueCrd` rewires a Kueue CRD, e.g. to a conversion webhook; without it
 * the CRDs serve every version with no conversion, enough for objects that no operator reads.
 */
export function upstreamCrds(built: ReadonlyMap<string, BuiltComponent>, mapKueueCrd: (crd: Manifest) => Manifest = (crd) => crd): Manifest[] {
  return [
    ...readManifests(...kustomizationFiles(path.join(component(built, 'kueue').manifestsDir, 'components', 'crd'))).map(mapKueueCrd),
    ...readManifests(path.join(component(built, 'appwrapper').manifestsDir, 'crd', 'bases', 'workload.codeflare.dev_appwrappers.yaml')),
    ...readManifests(path.join(component(built, 'training-operator').manifestsDir, 'base', 'crds', 'kubeflow.org_pytorchjobs.yaml')),
  ];
}

/**
 * Starts Kueue, the CodeFlare AppWrapper controller and the Kubeflow training-operator out of
 * cluster, each as the ServiceAccount its upstream manifests create, with that RBAC (kustomized as
 * upstream's `namePrefix`/`namespace` would), its CRDs and its admission (and, for Kueue,
 * conversion) webhooks at https://127.0.0.1, with certificates their rotators keep
 * (webhook-certs.ts).
 *
 * Kueue binds only 127.0.0.1 (its config says so). The AppWrapper controller's webhook port is
 * fixed and the training-operator's binds every interface, so those two run in a private network
 * namespace (`unshare -n`, loopback up) reached through Unix-socket relays (netns-relay.js): the
 * API server calls their webhooks at a 127.0.0.1 port of the host, they call the API server at
 * its own address inside. The training-operator's certificate directory is hard-coded under /tmp,
 * so it also gets a private mount namespace whose /tmp is a directory of this tier. Needs root.
 */
export async function startOperatorsTier(
  plane: ControlPlane, built: ReadonlyMap<string, BuiltComponent>, timeoutMs = 120_000,
): Promise<OperatorsTier> {
  const deadline = Date.now() + timeoutMs;
  const stateDir = fs.mkdtempSync(path.join(plane.workDir, 'operators-'));
  const procs = new TierProcesses(plane.logsDir, stateDir);
  const stop = () => procs.stop();
  try {
    const kc = plane.kubeConfig;
    const apiPort = Number(new URL(plane.server).port);
    const [kueueWebhookPort, kueueHealthPort, kueueMetricsPort, appWrapperHostPort, trainingHostPort] = await freePorts(5);
    const kueue = component(built, 'kueue');
    const appwrapper = component(built, 'appwrapper');
    const training = component(built, 'training-operator');

    // --- certificates the rotators keep -------------------------------------------------------
    const [kueueCerts, appWrapperCerts, trainingCerts] = await Promise.all([
      makeWebhookCerts(path.join(stateDir, 'kueue-certs'), 'kueue-ca', `kueue-webhook-service.${KUEUE_NAMESPACE}.svc`),
      makeWebhookCerts(path.join(stateDir, 'appwrapper-certs'), 'appwrapper-ca', `appwrapper-webhook-service.${APPWRAPPER_NAMESPACE}.svc`),
      makeWebhookCerts(path.join(stateDir, 'training-certs'), 'training-operator-ca', `training-operator.${TRAINING_OPERATOR_NAMESPACE}.svc`),
    ]);

    // --- CRDs ----------------------------------------------------------------------------------
    const crds = upstreamCrds(built, (crd) => (KUEUE_CONVERTED.includes(crd.spec.names.plural)
      ? withConversionWebhook(crd, `https://127.0.0.1:${kueueWebhookPort}/convert`, kueueCerts.caCert)
      : crd));
    const namespaces = [KUEUE_NAMESPACE, APPWRAPPER_NAMESPACE, TRAINING_OPERATOR_NAMESPACE]
      .map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
    await applyManifests(kc, [...namespaces, ...crds] as KubernetesObject[], { timeoutMs: 60_000 });

    // --- identities: ServiceAccounts and RBAC as upstream installs them -------------------------
    const rbac = [
      ...kustomizeRbac(readManifests(...kustomizationFiles(path.join(kueue.manifestsDir, 'components', 'rbac'))), KUEUE_NAMESPACE, 'kueue-'),
      ...kustomizeRbac(readManifests(...kustomizationFiles(path.join(appwrapper.manifestsDir, 'rbac'))), APPWRAPPER_NAMESPACE, 'appwrapper-'),
      ...kustomizeRbac(readManifests(...['service-account.yaml', 'role.yaml', 'cluster-role-binding.yaml']
        .map((f) => path.join(training.manifestsDir, 'base', 'rbac', f))), TRAINING_OPERATOR_NAMESPACE),
    ];
    const secret = (namespace: string, name: string, certs: WebhookCerts): Manifest =>
      ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'Opaque', data: certs.secretData });
    const appWrapperConfig: Manifest = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'appwrapper-operator-config', namespace: APPWRAPPER_NAMESPACE },
      data: {
        'config.yaml': stringify({
          controllerManager: { health: { bindAddress: '127.0.0.1:8081' }, metrics: { bindAddress: '127.0.0.1:8443' }, leaderElection: false },
          webhooksEnabled: true,
          certManagement: { certificateDir: path.join(stateDir, 'appwrapper-tmp', 'k8s-webhook-server', 'serving-certs') },
        }),
      },
    };
    await applyManifests(kc, [
      ...rbac,
      secret(KUEUE_NAMESPACE, 'kueue-webhook-server-cert', kueueCerts),
      secret(APPWRAPPER_NAMESPACE, 'appwrapper-webhook-server-cert', appWrapperCerts),
      secret(TRAINING_OPERATOR_NAMESPACE, 'training-operator-webhook-cert', trainingCerts),
      appWrapperConfig,
    ] as KubernetesObject[]);

    // --- webhook configurations, pointed at 127.0.0.1 -------------------------------------------
    const webhooks = [
      ...readManifests(path.join(kueue.manifestsDir, 'components', 'webhook', 'manifests.yaml'))
        .map((w) => pointWebhooks(w, `kueue-${w.metadata.name}`, `https://127.0.0.1:${kueueWebhookPort}`, kueueCerts.caCert, kueueNamespaceSelectors)),
      ...readManifests(path.join(appwrapper.manifestsDir, 'webhook', 'manifests.yaml'))
        .map((w) => pointWebhooks(w, `appwrapper-${w.metadata.name}`, `https://127.0.0.1:${appWrapperHostPort}`, appWrapperCerts.caCert)),
      ...readManifests(path.join(training.manifestsDir, 'base', 'webhook', 'manifests.yaml'))
        .map((w) => pointWebhooks(w, 'validator.training-operator.kubeflow.org', `https://127.0.0.1:${trainingHostPort}`, trainingCerts.caCert)),
    ];
    await applyManifests(kc, webhooks as KubernetesObject[]);

    const identities = await Promise.all([
      [KUEUE_NAMESPACE, 'kueue-controller-manager'],
      [APPWRAPPER_NAMESPACE, APPWRAPPER_SERVICE_ACCOUNT],
      [TRAINING_OPERATOR_NAMESPACE, 'training-operator'],
    ].map(async ([namespace, name]) => {
      await waitUntilAllowed(kc, serviceAccountUser(namespace, name), [{ verb: 'list', group: '', resource: 'pods' }]);
      return requestServiceAccountToken(kc, namespace, name);
    }));
    const kubeconfig = (file: string, token: string, user: string): string =>
      writeKubeconfig(file, { server: plane.server, user, caData: plane.caData, credentials: { token } });

    // --- Kueue (host network namespace, 127.0.0.1 only) -----------------------------------------
    const kueueCertDir = path.join(stateDir, 'kueue-serving-certs');
    installServingCerts(kueueCerts, kueueCertDir);
    const kueueConfig = path.join(stateDir, 'kueue-config.yaml');
    fs.writeFileSync(kueueConfig, stringify({
      apiVersion: 'config.kueue.x-k8s.io/v1beta2',
      kind: 'Configuration',
      namespace: KUEUE_NAMESPACE,
      health: { healthProbeBindAddress: `127.0.0.1:${kueueHealthPort}` },
      metrics: { bindAddress: `127.0.0.1:${kueueMetricsPort}` },
      webhook: { port: kueueWebhookPort, host: '127.0.0.1', certDir: kueueCertDir },
      leaderElection: { leaderElect: false },
      // Kept on: without it Kueue reads metrics certificates from a hard-coded /etc/kueue path.
      internalCertManagement: { enable: true, webhookServiceName: 'kueue-webhook-service', webhookSecretName: 'kueue-webhook-server-cert' },
      integrations: { frameworks: ['batch/job', 'kubeflow.org/pytorchjob', 'workload.codeflare.dev/appwrapper'] },
    }));
    const kueueProc = procs.launch('kueue', kueue.binary, [
      `--config=${kueueConfig}`,
      `--kubeconfig=${kubeconfig(path.join(stateDir, 'kueue.kubeconfig'), identities[0], 'kueue')}`,
      // The on-demand visibility API is an aggregated API server on a fixed port: not needed.
      '--feature-gates=VisibilityOnDemand=false',
    ]);

    // --- a private network namespace for the two that bind every interface -----------------------
    const sockets = fs.mkdtempSync(path.join(stateDir, 'sock-'));
    const sock = (name: string): string => path.join(sockets, `${name}.sock`);
    const holder = procs.launch('netns', 'unshare', ['-n', '--', 'sh', '-c', 'ip link set lo up && exec sleep 2147483647']);
    await waitUntil('the private network namespace', deadline, [holder], async () => readComm(holder) === 'sleep');
    const inNetns = (args: string[]): string[] => ['-t', String(holder.pid), '-n', '--', ...args];
    const relays = [
      procs.launch('relay-host', process.execPath, [RELAY,
        `tcp:127.0.0.1:${appWrapperHostPort}=unix:${sock('appwrapper-webhook')}`,
        `tcp:127.0.0.1:${trainingHostPort}=unix:${sock('training-webhook')}`,
        `unix:${sock('apiserver')}=tcp:127.0.0.1:${apiPort}`]),
      procs.launch('relay-netns', 'nsenter', inNetns([process.execPath, RELAY,
        `tcp:127.0.0.1:${apiPort}=unix:${sock('apiserver')}`,
        `unix:${sock('appwrapper-webhook')}=tcp:127.0.0.1:${APPWRAPPER_WEBHOOK_PORT}`,
        `unix:${sock('training-webhook')}=tcp:127.0.0.1:${TRAINING_OPERATOR_WEBHOOK_PORT}`])),
    ];
    await waitUntil('the relays', deadline, relays, async () =>
      relays.every((r) => fs.existsSync(r.logFile) && (fs.readFileSync(r.logFile, 'utf8').match(/listening/g) ?? []).length === 3));

    // --- the AppWrapper controller --------------------------------------------------------------
    // Its webhook cert dir is controller-runtime's default under os.TempDir(): TMPDIR moves it.
    const appWrapperTmp = path.join(stateDir, 'appwrapper-tmp');
    installServingCerts(appWrapperCerts, path.join(appWrapperTmp, 'k8s-webhook-server', 'serving-certs'));
    const appWrapperProc = procs.launch('appwrapper', 'nsenter', inNetns([appwrapper.binary,
      `--kubeconfig=${kubeconfig(path.join(stateDir, 'appwrapper.kubeconfig'), identities[1], APPWRAPPER_SERVICE_ACCOUNT)}`]), { ...process.env, NAMESPACE: APPWRAPPER_NAMESPACE, TMPDIR: appWrapperTmp });

    // --- the training-operator ------------------------------------------------------------------
    // Its cert dir is hard-coded /tmp/k8s-webhook-server/serving-certs: its own /tmp, by bind mount.
    const trainingTmp = path.join(stateDir, 'training-tmp');
    installServingCerts(trainingCerts, path.join(trainingTmp, 'k8s-webhook-server', 'serving-certs'));
    kubeconfig(path.join(trainingTmp, 'kubeconfig'), identities[2], 'training-operator');
    const trainingProc = procs.launch('training-operator', 'nsenter', inNetns([
      'unshare', '-m', '--propagation', 'private', '--',
      'sh', '-c', 'mount --bind "$1" /tmp && shift && exec "$@"', 'sh', trainingTmp, training.binary,
      '--kubeconfig=/tmp/kubeconfig',
      '--leader-elect=false',
      '--metrics-bind-address=127.0.0.1:25080',
      '--health-probe-bind-address=127.0.0.1:25081',
      `--webhook-server-port=${TRAINING_OPERATOR_WEBHOOK_PORT}`,
      '--enable-scheme=pytorchjob',
    ]), { ...process.env, MY_POD_NAMESPACE: TRAINING_OPERATOR_NAMESPACE });

    const operators = [kueueProc, appWrapperProc, trainingProc, ...relays, holder];
    await waitUntil('kueue /readyz', deadline, operators, async () =>
      (await get(`http://127.0.0.1:${kueueHealthPort}/readyz`, {})).status === 200);
    // A webhook server answers (any HTTP status) once its certificates are loaded.
    for (const [name, port, ca] of [
      ['kueue', kueueWebhookPort, kueueCerts.caCert],
      ['appwrapper', appWrapperHostPort, appWrapperCerts.caCert],
      ['training-operator', trainingHostPort, trainingCerts.caCert],
    ] as const) {
      await waitUntil(`the ${name} webhook server`, deadline, operators, async () =>
        (await get(`https://127.0.0.1:${port}/`, { ca })).status > 0);
    }
    return { stop, dumpLogs: (lines) => procs.dumpLogs(lines) };
  } catch (err) {
    const logs = procs.dumpLogs(40);
    await stop();
    throw new Error(`the operators tier failed to start: ${(err as Error).message}\n${logs}`);
  }
}

/** Kueue's kustomization keeps its pod, Deployment and StatefulSet webhooks out of kube-system and kueue-system. */
function kueueNamespaceSelectors(webhookName: string): Record<string, unknown> | undefined {
  const patched = ['mpod.kb.io', 'mdeployment.kb.io', 'mstatefulset.kb.io', 'vpod.kb.io', 'vdeployment.kb.io', 'vstatefulset.kb.io'];
  return patched.includes(webhookName)
    ? { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', KUEUE_NAMESPACE] }] }
    : undefined;
}

/** A webhook configuration renamed as kustomize would, each webhook calling `base` + its service path. */
function pointWebhooks(
  config: Manifest, name: string, base: string, caCert: Buffer,
  namespaceSelector: (webhookName: string) => Record<string, unknown> | undefined = () => undefined,
): Manifest {
  return {
    ...config,
    metadata: { name },
    webhooks: (config.webhooks as Record<string, any>[]).map((w) => {
      const selector = namespaceSelector(w.name);
      return {
        ...w,
        ...(selector ? { namespaceSelector: selector } : {}),
        clientConfig: { url: `${base}${w.clientConfig.service.path}`, caBundle: caCert.toString('base64') },
      };
    }),
  };
}

/** A CRD served through a conversion webhook at `url`. */
function withConversionWebhook(crd: Manifest, url: string, caCert: Buffer): Manifest {
  return {
    ...crd,
    spec: {
      ...crd.spec,
      conversion: {
        strategy: 'Webhook',
        webhook: { conversionReviewVersions: ['v1'], clientConfig: { url, caBundle: caCert.toString('base64') } },
      },
    },
  };
}

function readComm(proc: ManagedProcess): string {
  try {
    return fs.readFileSync(`/proc/${proc.pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
