import type { GenericJobSpec } from '../../../imports/batch.tensorstack.dev';
import { findT9kVariables } from '../../t9k-variables';

/** The replica a string is expanded for. */
export interface VariableScope {
  readonly jobName: string;
  readonly type: string;
  readonly rank: number;
  readonly spec: GenericJobSpec;
}

/**
 * Expands T9k's variables in `text`: `$(type)`, `$(rank)`, `$(replicas[T])` and, when the job has
 * `service.ports`, `$(service.T[R].host)` (= `<job>-<T>-<R>`) and `$(service.port[name])`.
 * A variable that names an unknown type, rank or port, and any other `$(...)` (Kubernetes' own
 * `$(ENV_VAR)` expansion), is left untouched for Kubernetes to see.
 */
export function expandT9kVariables(text: string, scope: VariableScope): string {
  const found = findT9kVariables(text);
  if (found.length === 0) return text;
  const replicasOf = (t: string) => {
    const spec = scope.spec.replicaSpecs?.find((r) => r.type === t);
    return spec === undefined ? undefined : spec.replicas ?? 1;
  };
  const ports = scope.spec.service?.ports;
  let out = text;
  for (const v of found) {
    let value: string | undefined;
    switch (v.kind) {
      case 'type': value = scope.type; break;
      case 'rank': value = String(scope.rank); break;
      case 'replicas': {
        const n = replicasOf(v.replicaType);
        value = n === undefined ? undefined : String(n);
        break;
      }
      case 'serviceHost': {
        const n = replicasOf(v.replicaType);
        value = ports !== undefined && n !== undefined && v.rank < n ? `${scope.jobName}-${v.replicaType}-${v.rank}` : undefined;
        break;
      }
      case 'servicePort': {
        const port = ports?.find((p) => p.name === v.portName);
        value = port === undefined ? undefined : String(port.port);
        break;
      }
    }
    if (value !== undefined) out = out.split(v.text).join(value);
  }
  return out;
}
