export * from './generic-job';
export * from './t9k-variables';
export { CustomResource, CustomResourceProps } from './custom-resource';
export { ReplicaPodProps } from './pod-template-renderer';
export * as api from './api';
export * from './arena-config';
export * from './arena-job';
export * from './kubejobs-controller';
export { CONTROLLER_PERMISSIONS, LEADER_ELECTION_PERMISSIONS, ControllerPermission } from './controller-permissions';
