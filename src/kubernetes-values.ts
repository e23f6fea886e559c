import { Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Toleration } from '../imports/kueue.x-k8s.io';

/** Conversions and checks of core Kubernetes values shared by the AppWrapper and Kueue constructs (not exported from the package). */

/** The taint effects Kubernetes knows. */
export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** A cdk8s `Size` as a Kubernetes quantity in the largest binary unit that divides it (`2Gi`, `512Mi`). */
export function sizeToQuantity(size: Size): string {
  const kib = size.toKibibytes();
  for (const [unit, factor] of [['Ti', 1024 ** 3], ['Gi', 1024 ** 2], ['Mi', 1024], ['Ki', 1]] as const) {
    if (kib > 0 && kib % factor === 0) return `${kib / factor}${unit}`;
  }
  return '0';
}

/** Tolerations in wire form. */
export function renderTolerations(tolerations: k8s.Toleration[] | undefined): Toleration[] | undefined {
  return tolerations?.map((t) => k8s.toJson_Toleration(t) as Toleration);
}

/** The rules the API server applies to tolerations, checked up front with messages in prop terms. */
export function validateTolerations(prop: string, tolerations: readonly k8s.Toleration[]): void {
  tolerations.forEach((t, i) => {
    const at = `'${prop}[${i}]'`;
    if (t.operator !== undefined && t.operator !== 'Equal' && t.operator !== 'Exists') {
      throw new Error(`'${prop}[${i}].operator' ('${t.operator}') must be 'Equal' (the default) or 'Exists'`);
    }
    if (!t.key && t.operator !== 'Exists') {
      throw new Error(`${at} has no key, so its operator must be 'Exists' (it then tolerates every taint); set a key or operator: 'Exists'`);
    }
    if (t.operator === 'Exists' && t.value) {
      throw new Error(`${at} has operator 'Exists' and value '${t.value}': 'Exists' matches any value; remove the value or use operator 'Equal'`);
    }
    if (t.effect !== undefined && !TAINT_EFFECTS.includes(t.effect)) {
      throw new Error(`'${prop}[${i}].effect' ('${t.effect}') must be NoSchedule, PreferNoSchedule or NoExecute (or unset for all effects)`);
    }
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      throw new Error(`${at} sets tolerationSeconds, which only applies to effect 'NoExecute': set effect: 'NoExecute' or remove tolerationSeconds`);
    }
  });
}
