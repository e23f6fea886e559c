/**
 * Name of the test-context global that environment.ts sets to `true` when a
 * test or hook of the file failed; read by use-control-plane.ts.
 */
export const FAILED_FLAG = '__KUBEJOBS_CLUSTER_TEST_FAILED__';
