import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';

/**
 * What makes the objects kubejobs emits re-appliable: selectors that do not depend on where the
 * construct sits in the app, and no zero values the API server drops.
 */

/**
 * Selects the workload's pods by `labels` (e.g. `app.kubernetes.io/name` and `instance`) instead
 * of cdk8s-plus' `cdk8s.io/metadata.addr` label, which is derived from the construct path: a
 * renamed chart or construct would change a Deployment's selector, which the API server refuses
 * (`spec.selector: field is immutable`). The workload must be created with `select: false`.
 */
export function selectPodsByLabels(workload: kplus.Deployment, labels: Record<string, string>): void {
  workload.select(kplus.LabelSelector.of({ labels }));
}

/**
 * Fields whose zero value the API server does not store (non-pointer `omitempty` fields of the
 * built-in kinds) and that cdk8s-plus writes anyway. Left in, client-side `kubectl apply` sends
 * them on every run ("configured" while `kubectl diff` shows nothing). Each is named by its path in
 * the object of its kind (`*` for every item of a list), so a user's value that only shares a
 * field's name (a ConfigMap key or a label `apiGroup: ''`) is never touched.
 */
const POD_SPEC_ZEROS = (at: string): Array<[string, unknown]> => [[`${at}.hostNetwork`, false], [`${at}.hostPID`, false], [`${at}.hostIPC`, false]];
const DROPPED_ZERO_VALUES: Readonly<Record<string, ReadonlyArray<[string, unknown]>>> = {
  'rbac.authorization.k8s.io/v1/Role': [['rules.*.resourceNames', []]],
  'rbac.authorization.k8s.io/v1/ClusterRole': [['rules.*.resourceNames', []]],
  // The roleRef's apiGroup is never empty; a ServiceAccount subject's is.
  'rbac.authorization.k8s.io/v1/RoleBinding': [['subjects.*.apiGroup', '']],
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': [['subjects.*.apiGroup', '']],
  'v1/Service': [['spec.externalIPs', []]],
  'v1/Pod': POD_SPEC_ZEROS('spec'),
  'apps/v1/Deployment': [['spec.minReadySeconds', 0], ...POD_SPEC_ZEROS('spec.template.spec')],
  'batch/v1/Job': POD_SPEC_ZEROS('spec.template.spec'),
};

/** Kinds with a pod template, whose cdk8s-plus address label is dropped. */
const POD_TEMPLATE_KINDS = new Set(['apps/v1/Deployment', 'batch/v1/Job']);

/**
 * Makes each object under `scope` of a kind in {@link DROPPED_ZERO_VALUES} leave out the zero
 * values listed for it, and cdk8s-plus' construct-path label `cdk8s.io/metadata.addr` on pod
 * templates (nothing selects by it once {@link selectPodsByLabels} is used, and a renamed
 * construct would roll the pods for nothing). Other objects, custom resources and CRDs included,
 * are left alone. The removal wraps the object's `toJson()` because it depends on the rendered
 * value (a JSON patch cannot say "remove if zero", and fails on a path that is absent).
 */
export function omitServerDroppedZeroValues(scope: IConstruct): void {
  for (const c of scope.node.findAll()) {
    if (!(c instanceof ApiObject)) continue;
    const kind = `${c.apiVersion}/${c.kind}`;
    const zeros = DROPPED_ZERO_VALUES[kind];
    if (!zeros) continue;
    const render = c.toJson.bind(c);
    c.toJson = () => {
      const manifest = render();
      for (const [path, zero] of zeros) removeZeroAt(manifest, path.split('.'), zero);
      return POD_TEMPLATE_KINDS.has(kind) ? withoutAddressLabel(manifest) : manifest;
    };
  }
}

function removeZeroAt(node: any, path: readonly string[], zero: unknown): void {
  if (node === null || typeof node !== 'object') return;
  const [step, ...rest] = path;
  if (step === '*') {
    if (Array.isArray(node)) for (const item of node) removeZeroAt(item, rest, zero);
    return;
  }
  if (rest.length > 0) return removeZeroAt(node[step], rest, zero);
  if (Object.prototype.hasOwnProperty.call(node, step) && isZero(node[step], zero)) delete node[step];
}

function isZero(v: unknown, zero: unknown): boolean {
  return Array.isArray(zero) ? Array.isArray(v) && v.length === 0 : v === zero;
}

/** Only on a pod template: a selector left empty by the removal would select every pod. */
function withoutAddressLabel(manifest: any): any {
  const labels = manifest.spec?.template?.metadata?.labels;
  if (labels && kplus.Pod.ADDRESS_LABEL in labels) delete labels[kplus.Pod.ADDRESS_LABEL];
  return manifest;
}
