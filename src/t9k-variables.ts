/**
 * Builders for the variables the GenericJob controller substitutes in a replica's command, args
 * and env values, so nobody hand-writes `$(service.worker[0].host)`.
 *
 * @example
 * const tfConfig = `{"task": {"type": "${T9kVariable.type}", "index": ${T9kVariable.rank}}}`;
 * const peer = `${T9kVariable.serviceHost('worker', 0)}:${T9kVariable.servicePort('http')}`;
 */
export class T9kVariable {
  /** The replica's type, e.g. `worker`: `$(type)`. */
  public static readonly type = '$(type)';

  /** The replica's rank within its type, from 0: `$(rank)`. */
  public static readonly rank = '$(rank)';

  /** The number of replicas of `replicaType`: `$(replicas[<type>])`. */
  public static replicas(replicaType: string): string {
    return `$(replicas[${replicaType}])`;
  }

  /**
   * The in-namespace host name of one replica, `<job>-<type>-<rank>`: `$(service.<type>[<rank>].host)`.
   * Needs `servicePorts` on the job.
   */
  public static serviceHost(replicaType: string, rank: number): string {
    return `$(service.${replicaType}[${rank}].host)`;
  }

  /** The port number of the job's service port named `portName`: `$(service.port[<name>])`. Needs `servicePorts`. */
  public static servicePort(portName: string): string {
    return `$(service.port[${portName}])`;
  }

  private constructor() {}
}

/** A T9k variable found in a string. */
export type T9kVariableReference =
  | { readonly kind: 'type' | 'rank'; readonly text: string }
  | { readonly kind: 'replicas'; readonly text: string; readonly replicaType: string }
  | { readonly kind: 'serviceHost'; readonly text: string; readonly replicaType: string; readonly rank: number }
  | { readonly kind: 'servicePort'; readonly text: string; readonly portName: string };

const VARIABLE = /\$\((type|rank|replicas\[([^\]]+)\]|service\.([^[\]()]+)\[(\d+)\]\.host|service\.port\[([^\]]+)\])\)/g;

/**
 * Every T9k variable in `text`, in order. Anything else in `$(...)` (e.g. Kubernetes' own
 * `$(ENV_VAR)` expansion) is not a T9k variable and is left alone.
 */
export function findT9kVariables(text: string): T9kVariableReference[] {
  const found: T9kVariableReference[] = [];
  for (const m of text.matchAll(VARIABLE)) {
    const [full, body, replicasType, hostType, hostRank, portName] = m;
    if (body === 'type' || body === 'rank') found.push({ kind: body, text: full });
    else if (replicasType !== undefined) found.push({ kind: 'replicas', text: full, replicaType: replicasType });
    else if (hostType !== undefined) found.push({ kind: 'serviceHost', text: full, replicaType: hostType, rank: Number(hostRank) });
    else found.push({ kind: 'servicePort', text: full, portName: portName! });
  }
  return found;
}
