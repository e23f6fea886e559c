export * from './generic-job';
export * from './t9k-variables';
export { CustomResource, CustomResourceProps } from './custom-resource';
export { ReplicaPodProps } from './pod-template-renderer';
export * as api from './api';
