import { CustomResourceDefinitionSpec } from '../crd';
import { APP_WRAPPER } from './app-wrapper';
import { KUEUE_CLUSTER_QUEUE, KUEUE_LOCAL_QUEUE, KUEUE_RESOURCE_FLAVOR } from './kueue';
import { PYTORCH_JOB } from './pytorch-job';
import { VOLCANO_JOB } from './volcano-job';

export { APP_WRAPPER } from './app-wrapper';
export { PYTORCH_JOB } from './pytorch-job';
export { VOLCANO_JOB } from './volcano-job';
export { KUEUE_RESOURCE_FLAVOR, KUEUE_CLUSTER_QUEUE, KUEUE_LOCAL_QUEUE } from './kueue';

/** The upstream kinds `AppWrapperJob` and the Kueue constructs emit. */
export const APP_WRAPPER_DEFINITIONS: readonly CustomResourceDefinitionSpec[] = [
  APP_WRAPPER,
  PYTORCH_JOB,
  VOLCANO_JOB,
  KUEUE_RESOURCE_FLAVOR,
  KUEUE_CLUSTER_QUEUE,
  KUEUE_LOCAL_QUEUE,
];
