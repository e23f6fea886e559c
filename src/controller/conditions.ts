/** A metav1.Condition as our CRDs' status carries it. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** A condition to set: what changes; the transition time and generation are filled in. */
export interface ConditionUpdate {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
}

/**
 * `conditions` with `update` set, as apimachinery's `meta.SetStatusCondition` does: the transition
 * time moves only when the status changes, so an unchanged condition writes nothing new.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined, update: ConditionUpdate, generation: number | undefined, now: string,
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === update.type);
  const previous = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    message: update.message,
    lastTransitionTime: previous && previous.status === update.status ? previous.lastTransitionTime : now,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

/** `conditions` with each update applied in order. */
export function setConditions(
  conditions: readonly Condition[] | undefined, updates: readonly ConditionUpdate[], generation: number | undefined, now: string,
): Condition[] {
  return updates.reduce<Condition[]>((list, u) => setCondition(list, u, generation, now), [...(conditions ?? [])]);
}

/** The condition of `type`, if any. */
export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
