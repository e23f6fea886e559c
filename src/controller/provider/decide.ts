import type { Provider, ProviderStatus } from '../../../imports/omnia.altairalabs.ai';
import { PROVIDER_SECRET_KEYS } from '../../api/provider';
import { Condition, ConditionUpdate, setConditions } from '../conditions';

/** The provider's Secret as the reconciler found it: absent, or the keys it holds. */
export type SecretLookup = { readonly found: false } | { readonly found: true; readonly keys: readonly string[] };

/** Everything the decision looks at. */
export interface ObservedProvider {
  readonly provider: Provider;
  /** Undefined when the provider has no `secretRef` (nothing was read). */
  readonly secret?: SecretLookup;
  readonly now: string;
}

/** What the reconciler writes and when it looks again. */
export interface ProviderPlan {
  readonly status: ProviderStatus;
  /** Set while the Secret is missing or incomplete: Secrets are read, not watched. */
  readonly requeueAfterMs?: number;
}

/** How soon a Provider whose Secret is missing or incomplete is checked again. */
export const SECRET_RETRY_MS = 5_000;

/** The keys that may hold the API key: `secretRef.key`, else the type's usual ones. */
export function candidateKeys(provider: Provider): readonly string[] {
  const key = provider.spec.secretRef?.key;
  return key ? [key] : PROVIDER_SECRET_KEYS[provider.spec.type as keyof typeof PROVIDER_SECRET_KEYS] ?? ['api-key'];
}

/**
 * Decides a Provider's status: Ready when it needs no Secret, or its Secret holds one of the keys.
 * kubejobs never calls the provider, so `validateCredentials` is reported as not checked.
 */
export function decideProvider(observed: ObservedProvider): ProviderPlan {
  const { provider, secret, now } = observed;
  const prev = provider.status ?? {};
  const generation = provider.metadata.generation as number | undefined;
  const ref = provider.spec.secretRef;
  const namespace = provider.metadata.namespace ?? 'default';
  let found: ConditionUpdate;
  if (!ref) {
    found = { type: 'SecretFound', status: 'True', reason: 'NoSecretRequired', message: 'The provider names no Secret' };
  } else if (!secret || !secret.found) {
    found = { type: 'SecretFound', status: 'False', reason: 'SecretNotFound', message: `Secret ${ref.name} not found in namespace ${namespace}: create it with the API key, or fix spec.secretRef.name` };
  } else {
    const keys = candidateKeys(provider);
    const present = keys.find((k) => secret.keys.includes(k));
    found = present
      ? { type: 'SecretFound', status: 'True', reason: 'SecretFound', message: `Secret ${ref.name} holds the API key under '${present}'` }
      : {
        type: 'SecretFound',
        status: 'False',
        reason: 'KeyNotFound',
        message: `Secret ${ref.name} has none of the keys ${keys.map((k) => `'${k}'`).join(', ')}: add the API key under ${keys.length > 1 ? 'one of them' : 'it'}${ref.key ? ', or fix spec.secretRef.key' : ', or name the key in spec.secretRef.key'}`,
      };
  }
  const ready = found.status === 'True';
  const updates: ConditionUpdate[] = [found];
  if (provider.spec.validateCredentials) {
    updates.push({ type: 'CredentialsValid', status: 'Unknown', reason: 'NotChecked', message: 'kubejobs checks that the key is present, never calls the provider: the workers find out whether it is accepted' });
  }
  updates.push({ type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'Ready' : found.reason, message: found.message });
  return {
    status: {
      phase: ready ? 'Ready' : 'Error',
      observedGeneration: generation,
      conditions: setConditions(prev.conditions as Condition[] | undefined, updates, generation, now),
    },
    ...(ready ? {} : { requeueAfterMs: SECRET_RETRY_MS }),
  };
}
