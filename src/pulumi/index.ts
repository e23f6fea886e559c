// `kubejobs/pulumi`: the kubejobs constructs as Pulumi components. Only this folder imports
// `@pulumi/*` (optional peer dependencies), so `import 'kubejobs'` never loads them.
export { KubejobsComponent, WAIT_FOR_ANNOTATION } from './component';
export { immutableFields } from './immutable-fields';
export type { ComponentDefinition } from './component';
export { CustomResourceComponent } from './custom-resource-component';
export type { WithInputs, MetadataArgs, NameRef } from './inputs';
export { MANIFEST_GROUPS } from './render';
export type { ManifestGroup, ManifestGroups } from './render';
export * from './generic-job';
export * from './arena-config';
export * from './arena-job';
export * from './arena-source';
export * from './provider';
export * from './kubejobs-controller';
export * from './radix-job-scheduler';
export * from './kueue-resource-flavor';
export * from './kueue-cluster-queue';
export * from './kueue-local-queue';
export * from './app-wrapper-job';
