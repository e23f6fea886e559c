import { ARENA_CONFIG, ARENA_JOB, ARENA_SOURCE, PROVIDER } from '../api';
import { resourceTypeOf } from './resource-types';

/** The Arena kinds as the controller's informers and paths name them. */
export const ARENA_TYPES = {
  source: resourceTypeOf(ARENA_SOURCE),
  provider: resourceTypeOf(PROVIDER),
  config: resourceTypeOf(ARENA_CONFIG),
  job: resourceTypeOf(ARENA_JOB),
} as const;
