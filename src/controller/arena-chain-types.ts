import { ARENA_CONFIG, ARENA_JOB, ARENA_SOURCE, PROVIDER } from '../api';
import { ResourceType } from './informer';
import { CustomResourceDefinitionSpec } from '../api/crd';

function typeOf(def: CustomResourceDefinitionSpec): ResourceType {
  return { apiVersion: `${def.group}/${def.version}`, kind: def.kind, plural: def.plural };
}

/** The Arena kinds as the controller's informers and paths name them. */
export const ARENA_TYPES = {
  source: typeOf(ARENA_SOURCE),
  provider: typeOf(PROVIDER),
  config: typeOf(ARENA_CONFIG),
  job: typeOf(ARENA_JOB),
} as const;
