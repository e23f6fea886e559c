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
    name: { type: 'string', minLength: 1, description: 'Name of the referenced object.' },
    namespace: { type: 'string', description: 'Defaults to the ArenaConfig\'s namespace.' },
  },
};

const SPEC: JsonSchema = {
  title: 'ArenaConfigSpec',
  type: 'object',
  description: 'ArenaConfigSpec defines the desired state of an ArenaConfig.',
  required: ['sourceRef'],
  properties: {
    sourceRef: localObjectReference('The ArenaSource (same namespace) that provides the scenario bundle.'),
    scenarios: SCENARIO_FILTER,
    providers: { type: 'array', minItems: 1, items: NAMESPACED_REF, description: 'LLM providers to run the scenarios against.' },
    toolRegistries: { type: 'array', items: NAMESPACED_REF, description: 'Tool registries available to scenarios.' },
    selfPlay: {
      title: 'SelfPlayConfig',
      type: 'object',
      description: 'Self-play: the model plays both sides of a scenario.',
      properties: {
        enabled: { type: 'boolean', default: false, description: 'Run the scenarios in self-play.' },
        rounds: { type: 'integer', format: 'int32', minimum: 1, default: 1, description: 'Rounds of self-play per scenario.' },
        swapRoles: { type: 'boolean', default: false, description: 'Swap the roles between rounds.' },
      },
    },
    evaluation: {
      title: 'EvaluationConfig',
      type: 'object',
      description: 'How scenario runs are evaluated.',
      properties: {
        metrics: stringList('Metrics to compute.'),
        timeout: { type: 'string', default: '5m', description: 'Timeout of one scenario run.' },
        maxRetries: { type: 'integer', format: 'int32', minimum: 0, maximum: 10, default: 3, description: 'Retries of a failed scenario run.' },
        concurrency: { type: 'integer', format: 'int32', minimum: 1, maximum: 100, default: 1, description: 'Scenario runs at once.' },
      },
    },
    suspend: { type: 'boolean', default: false, description: 'Stop validating and serving this configuration.' },
  },
};

const STATUS: JsonSchema = {
  title: 'ArenaConfigStatus',
  type: 'object',
  description: 'ArenaConfigStatus is the observed state of an ArenaConfig.',
  properties: {
    phase: { type: 'string', enum: ['Pending', 'Ready', 'Invalid', 'Error'], description: 'Phase of the configuration.' },
    conditions: METAV1_CONDITIONS,
    observedGeneration: { type: 'integer', format: 'int64', description: '`metadata.generation` this status was computed from.' },
    resolvedSource: {
      title: 'ResolvedSource',
      type: 'object',
      description: 'The scenario bundle the source resolved to.',
      properties: {
        revision: { type: 'string', description: 'Revision of the bundle (e.g. a commit).' },
        url: { type: 'string', description: 'Where the bundle was fetched from.' },
        scenarioCount: { type: 'integer', format: 'int32', description: 'Scenarios in the bundle.' },
      },
    },
    resolvedProviders: stringList('Providers as `name` or `namespace/name`.'),
    lastValidatedAt: { type: 'string', format: 'date-time', description: 'When the configuration was last validated.' },
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
