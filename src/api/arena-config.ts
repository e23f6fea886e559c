import { SCENARIO_FILTER } from './arena-job';
import { CustomResourceDefinitionSpec, JsonSchema } from './crd';
import { localObjectReference, METAV1_CONDITIONS, stringList } from './schema-parts';

/**
 * `ArenaConfig` (`omnia.altairalabs.ai/v1alpha1`): the test configuration an ArenaJob's
 * `configRef` names (shared/reference/arena-genericjob.md §1.8).
 */

const NAMESPACED_REF: JsonSchema = {
  title: 'NamespacedObjectReference',
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1 },
    namespace: { type: 'string', description: 'Defaults to the ArenaConfig\'s namespace.' },
  },
};

const SPEC: JsonSchema = {
  title: 'ArenaConfigSpec',
  type: 'object',
  required: ['sourceRef'],
  properties: {
    sourceRef: localObjectReference('The ArenaSource (same namespace) that provides the scenario bundle.'),
    scenarios: SCENARIO_FILTER,
    providers: { type: 'array', minItems: 1, items: NAMESPACED_REF, description: 'LLM providers to run the scenarios against.' },
    toolRegistries: { type: 'array', items: NAMESPACED_REF, description: 'Tool registries available to scenarios.' },
    selfPlay: {
      title: 'SelfPlayConfig',
      type: 'object',
      properties: {
        enabled: { type: 'boolean', default: false },
        rounds: { type: 'integer', format: 'int32', minimum: 1, default: 1 },
        swapRoles: { type: 'boolean', default: false },
      },
    },
    evaluation: {
      title: 'EvaluationConfig',
      type: 'object',
      properties: {
        metrics: stringList('Metrics to compute.'),
        timeout: { type: 'string', default: '5m', description: 'Timeout of one scenario run.' },
        maxRetries: { type: 'integer', format: 'int32', minimum: 0, maximum: 10, default: 3 },
        concurrency: { type: 'integer', format: 'int32', minimum: 1, maximum: 100, default: 1 },
      },
    },
    suspend: { type: 'boolean', default: false, description: 'Stop validating and serving this configuration.' },
  },
};

const STATUS: JsonSchema = {
  title: 'ArenaConfigStatus',
  type: 'object',
  properties: {
    phase: { type: 'string', enum: ['Pending', 'Ready', 'Invalid', 'Error'] },
    conditions: METAV1_CONDITIONS,
    observedGeneration: { type: 'integer', format: 'int64' },
    resolvedSource: {
      title: 'ResolvedSource',
      type: 'object',
      properties: {
        revision: { type: 'string' },
        url: { type: 'string' },
        scenarioCount: { type: 'integer', format: 'int32' },
      },
    },
    resolvedProviders: stringList('Providers as `name` or `namespace/name`.'),
    lastValidatedAt: { type: 'string', format: 'date-time' },
  },
};

/** The ArenaConfig definition: the single source of its CRD, types and validation. */
export const ARENA_CONFIG: CustomResourceDefinitionSpec = {
  group: 'omnia.altairalabs.ai',
  version: 'v1alpha1',
  kind: 'ArenaConfig',
  plural: 'arenaconfigs',
  singular: 'arenaconfig',
  shortNames: [],
  description: 'ArenaConfig holds the scenarios, providers and evaluation settings that ArenaJobs run (Omnia omnia.altairalabs.ai/v1alpha1).',
  specRequired: true,
  spec: SPEC,
  status: STATUS,
  printerColumns: [
    { name: 'Source', type: 'string', jsonPath: '.spec.sourceRef.name' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Scenarios', type: 'integer', jsonPath: '.status.resolvedSource.scenarioCount', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};
