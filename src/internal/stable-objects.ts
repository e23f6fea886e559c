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
 * them on every run ("configured" while `kubectl diff` shows nothing). The key is the field name;
 * the value is the zero value to drop.
 */
const DROPPED_ZERO_VALUES: Readonly<Record<string, unknown>> = {
  resourceNames: [], // rbac PolicyRule
  apiGroup: '', // rbac Subject (the roleRef's is never empty)
  hostNetwork: false, // PodSpec
  hostPID: false,
  hostIPC: false,
  minReadySeconds: 0, // DeploymentSpec
  externalIPs: [], // ServiceSpec
};

/** The built-in APIs whose objects kubejobs emits through cdk8s-plus. */
const BUILT_IN_API_VERSIONS = new Set(['v1', 'apps/v1', 'batch/v1', 'rbac.authorization.k8s.io/v1', 'networking.k8s.io/v1', 'policy/v1']);

/**
 * Makes every built-in object under `scope` leave out the zero values in
 * {@link DROPPED_ZERO_VALUES}, wherever they appear in it, and cdk8s-plus' construct-path label
 * `cdk8s.io/metadata.addr` on pod templates (nothing selects by it once
 * {@link selectPodsByLabels} is used, and a renamed construct would roll the pods for nothing). Custom resources and CRDs are left
 * alone: the server stores what it is given there.
 */
export function omitServerDroppedZeroValues(scope: IConstruct): void {
  for (const c of scope.node.findAll()) {
    if (!(c instanceof ApiObject) || !BUILT_IN_API_VERSIONS.has(c.apiVersion)) continue;
    const render = c.toJson.bind(c);
    c.toJson = () => withoutAddressLabel(withoutDroppedZeroValues(render()));
  }
}

function withoutDroppedZeroValues(value: any): any {
  if (Array.isArray(value)) return value.map(withoutDroppedZeroValues);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (Object.prototype.hasOwnProperty.call(DROPPED_ZERO_VALUES, key) && isZero(v, DROPPED_ZERO_VALUES[key])) continue;
    out[key] = withoutDroppedZeroValues(v);
  }
  return out;
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
