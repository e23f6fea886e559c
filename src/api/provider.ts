import { CustomResourceDefinitionSpec, JsonSchema } from './crd';
import { METAV1_CONDITIONS } from './schema-parts';

/**
 * `Provider` (`omnia.altairalabs.ai/v1alpha1`): an LLM provider ArenaConfigs run scenarios
 * against (shared/reference/arena-genericjob.md §1.8).
 */

/** Provider types. */
export const PROVIDER_TYPES = ['claude', 'openai', 'gemini', 'ollama', 'mock'] as const;

/**
 * The Secret keys read for a provider type when `secretRef.key` is not given, in order: the
 * first one present holds the API key.
 */
export const PROVIDER_SECRET_KEYS: Readonly<Record<(typeof PROVIDER_TYPES)[number], readonly string[]>> = {
  claude: ['ANTHROPIC_API_KEY', 'CLAUDE_API_KEY', 'api-key'],
  openai: ['OPENAI_API_KEY', 'OPENAI_TOKEN', 'api-key'],
  gemini: ['GEMINI_API_KEY', 'GOOGLE_API_KEY', 'api-key'],
  ollama: ['OLLAMA_API_KEY', 'api-key'],
  mock: ['api-key'],
};

const SPEC: JsonSchema = {
  title: 'ProviderSpec',
  type: 'object',
  required: ['type'],
  description: 'ProviderSpec defines an LLM provider.',
  properties: {
    type: { type: 'string', enum: [...PROVIDER_TYPES], description: 'Kind of provider.' },
    model: { type: 'string', description: 'Model name, e.g. `claude-sonnet-4-20250514`.' },
    baseURL: { type: 'string', description: 'API endpoint, when not the provider\'s default.' },
    secretRef: {
      title: 'ProviderSecretRef',
      type: 'object',
      required: ['name'],
      description: 'The Secret (same namespace) holding the API key.',
      properties: {
        name: { type: 'string', minLength: 1, description: 'Name of the Secret.' },
        key: { type: 'string', description: 'Key of the API key; default: the type\'s usual keys (e.g. ANTHROPIC_API_KEY, then api-key).' },
      },
    },
    defaults: {
      title: 'ProviderDefaults',
      type: 'object',
      description: 'Default generation parameters.',
      properties: {
        temperature: { type: 'string', description: 'Sampling temperature, as a decimal string.' },
        topP: { type: 'string', description: 'Nucleus sampling, as a decimal string.' },
        maxTokens: { type: 'integer', format: 'int32', description: 'Most tokens per response.' },
        contextWindow: { type: 'integer', format: 'int32', description: 'Context window in tokens.' },
        truncationStrategy: { type: 'string', enum: ['sliding', 'summarize', 'custom'], default: 'sliding', description: 'How a conversation longer than the context window is cut.' },
      },
    },
    pricing: {
      title: 'ProviderPricing',
      type: 'object',
      description: 'Prices used to report costs, as decimal strings.',
      properties: {
        inputCostPer1K: { type: 'string', description: 'Cost of 1000 input tokens.' },
        outputCostPer1K: { type: 'string', description: 'Cost of 1000 output tokens.' },
        cachedCostPer1K: { type: 'string', description: 'Cost of 1000 cached input tokens.' },
      },
    },
    validateCredentials: { type: 'boolean', default: false, description: 'Call the provider to check the key (kubejobs only checks that the key is present).' },
  },
};

const STATUS: JsonSchema = {
  title: 'ProviderStatus',
  type: 'object',
  description: 'ProviderStatus is the observed state of a Provider.',
  properties: {
    phase: { type: 'string', enum: ['Ready', 'Error'], description: 'Phase of the provider.' },
    conditions: METAV1_CONDITIONS,
    observedGeneration: { type: 'integer', format: 'int64', description: '`metadata.generation` this status was computed from.' },
  },
};

/** The Provider definition: the single source of its CRD, types and validation. */
export const PROVIDER: CustomResourceDefinitionSpec = {
  group: 'omnia.altairalabs.ai',
  version: 'v1alpha1',
  kind: 'Provider',
  plural: 'providers',
  singular: 'provider',
  shortNames: ['prov'],
  description: 'Provider is an LLM provider that ArenaConfigs run scenarios against (Omnia omnia.altairalabs.ai/v1alpha1).',
  specRequired: true,
  spec: SPEC,
  status: STATUS,
  printerColumns: [
    { name: 'Type', type: 'string', jsonPath: '.spec.type' },
    { name: 'Model', type: 'string', jsonPath: '.spec.model' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};
