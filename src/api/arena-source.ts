import { CustomResourceDefinitionSpec, JsonSchema } from './crd';
import { METAV1_CONDITIONS } from './schema-parts';

/**
 * `ArenaSource` (`omnia.altairalabs.ai/v1alpha1`): where the scenario bundle of an ArenaConfig
 * comes from (shared/reference/arena-genericjob.md §1.8): a Git repository, an OCI artifact or a
 * ConfigMap in the same namespace.
 */

/** Go durations as upstream's `interval` marker accepts them (`1m`, `1h30m`, `500ms`). */
export const ARENA_SOURCE_INTERVAL_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';

/** The ConfigMap key of the bundle when `configMap.key` is not given (upstream's default). */
export const DEFAULT_BUNDLE_KEY = 'pack.json';

const SECRET_KEY_REF: JsonSchema = {
  title: 'SecretKeyRef',
  type: 'object',
  required: ['name'],
  description: 'A Secret in the same namespace, and optionally the key to read.',
  properties: {
    name: { type: 'string', minLength: 1, description: 'Name of the Secret.' },
    key: { type: 'string', description: 'Key in the Secret.' },
  },
};

const SPEC: JsonSchema = {
  'title': 'ArenaSourceSpec',
  'type': 'object',
  'required': ['type', 'interval'],
  'description': 'ArenaSourceSpec defines where a scenario bundle comes from.',
  'x-kubernetes-validations': [
    {
      rule: 'self.type != \'git\' || has(self.git)',
      message: 'spec.git is required when spec.type is \'git\': add git.url (and optionally ref, path, secretRef)',
      fieldPath: '.git',
      reason: 'FieldValueRequired',
    },
    {
      rule: 'self.type != \'oci\' || has(self.oci)',
      message: 'spec.oci is required when spec.type is \'oci\': add oci.url',
      fieldPath: '.oci',
      reason: 'FieldValueRequired',
    },
    {
      rule: 'self.type != \'configmap\' || has(self.configMap)',
      message: 'spec.configMap is required when spec.type is \'configmap\': add configMap.name (and optionally key)',
      fieldPath: '.configMap',
      reason: 'FieldValueRequired',
    },
  ],
  'properties': {
    type: { type: 'string', enum: ['git', 'oci', 'configmap'], description: 'Kind of source.' },
    git: {
      title: 'GitSource',
      type: 'object',
      required: ['url'],
      description: 'A Git repository; required when `type` is `git`.',
      properties: {
        url: { type: 'string', pattern: '^(https?|ssh)://.*$', description: 'Repository URL (`https://`, `http://` or `ssh://`).' },
        ref: {
          title: 'GitReference',
          type: 'object',
          description: 'What to check out: a commit wins over a tag, a tag over a branch.',
          properties: {
            branch: { type: 'string', description: 'Branch to follow.' },
            tag: { type: 'string', description: 'Tag to check out.' },
            commit: { type: 'string', description: 'Commit to check out.' },
          },
        },
        path: { type: 'string', description: 'Directory of the bundle in the repository.' },
        secretRef: SECRET_KEY_REF,
      },
    },
    oci: {
      title: 'OciSource',
      type: 'object',
      required: ['url'],
      description: 'An OCI artifact; required when `type` is `oci`.',
      properties: {
        url: { type: 'string', pattern: '^oci://.*$', description: 'Artifact URL (`oci://registry/repository:tag`).' },
        secretRef: SECRET_KEY_REF,
        insecure: { type: 'boolean', default: false, description: 'Allow a registry without TLS.' },
      },
    },
    configMap: {
      title: 'ConfigMapSource',
      type: 'object',
      required: ['name'],
      description: 'A ConfigMap in the same namespace; required when `type` is `configmap`.',
      properties: {
        name: { type: 'string', minLength: 1, description: 'Name of the ConfigMap.' },
        key: { type: 'string', default: DEFAULT_BUNDLE_KEY, description: 'Key of the bundle in the ConfigMap.' },
      },
    },
    interval: { type: 'string', pattern: ARENA_SOURCE_INTERVAL_PATTERN, description: 'How often the source is checked again, e.g. `5m`.' },
    suspend: { type: 'boolean', default: false, description: 'Stop checking the source.' },
    timeout: { type: 'string', default: '60s', description: 'Timeout of one fetch.' },
  },
};

const STATUS: JsonSchema = {
  title: 'ArenaSourceStatus',
  type: 'object',
  description: 'ArenaSourceStatus is the observed state of an ArenaSource.',
  properties: {
    phase: { type: 'string', enum: ['Pending', 'Ready', 'Fetching', 'Error'], description: 'Phase of the source.' },
    conditions: METAV1_CONDITIONS,
    observedGeneration: { type: 'integer', format: 'int64', description: '`metadata.generation` this status was computed from.' },
    artifact: {
      title: 'Artifact',
      type: 'object',
      description: 'The bundle the source resolved to.',
      properties: {
        revision: { type: 'string', description: 'Revision of the bundle: a commit, tag or content hash.' },
        url: { type: 'string', description: 'Where workers get the bundle.' },
        checksum: { type: 'string', description: 'SHA-256 of the bundle, when known.' },
        size: { type: 'integer', format: 'int64', description: 'Size of the bundle in bytes, when known.' },
        lastUpdateTime: { type: 'string', format: 'date-time', description: 'When the revision last changed.' },
      },
    },
    lastFetchTime: { type: 'string', format: 'date-time', description: 'When the source was last checked.' },
    nextFetchTime: { type: 'string', format: 'date-time', description: 'When the source is checked next.' },
  },
};

/** The ArenaSource definition: the single source of its CRD, types and validation. */
export const ARENA_SOURCE: CustomResourceDefinitionSpec = {
  group: 'omnia.altairalabs.ai',
  version: 'v1alpha1',
  kind: 'ArenaSource',
  plural: 'arenasources',
  singular: 'arenasource',
  shortNames: ['as'],
  description: 'ArenaSource says where the scenario bundle of ArenaConfigs comes from: Git, OCI or a ConfigMap (Omnia omnia.altairalabs.ai/v1alpha1).',
  specRequired: true,
  spec: SPEC,
  status: STATUS,
  printerColumns: [
    { name: 'Type', type: 'string', jsonPath: '.spec.type' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Revision', type: 'string', jsonPath: '.status.artifact.revision', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};
