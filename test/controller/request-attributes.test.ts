import { formatAttributes, isPermitted, requestAttributes } from '../../src/controller/request-attributes';
import { CONTROLLER_PERMISSIONS, LEADER_ELECTION_PERMISSIONS } from '../../src/controller-permissions';

describe('requestAttributes', () => {
  test.each([
    ['GET', '/api/v1/namespaces/a/pods?labelSelector=x&limit=500', 'list core/pods', 'a'],
    ['GET', '/api/v1/pods?watch=true&resourceVersion=5', 'watch core/pods', undefined],
    ['GET', '/api/v1/namespaces/a/pods/p-0', 'get core/pods', 'a'],
    ['POST', '/api/v1/namespaces/a/pods?fieldManager=m', 'create core/pods', 'a'],
    ['DELETE', '/api/v1/namespaces/a/pods/p-0', 'delete core/pods', 'a'],
    ['DELETE', '/api/v1/namespaces/a/pods', 'deletecollection core/pods', 'a'],
    ['PUT', '/apis/batch.tensorstack.dev/v1beta1/namespaces/a/genericjobs/j/status', 'update batch.tensorstack.dev/genericjobs/status', 'a'],
    ['PATCH', '/api/v1/namespaces/a/events/e.1', 'patch core/events', 'a'],
    ['GET', '/apis/coordination.k8s.io/v1/namespaces/kubejobs-system/leases/kubejobs-controller', 'get coordination.k8s.io/leases', 'kubejobs-system'],
    ['GET', '/api/v1/namespaces/a', 'get core/namespaces', undefined],
  ])('%s %s is %s', (method, path, expected, namespace) => {
    const a = requestAttributes(method, path);
    expect(formatAttributes(a)).toBe(expected);
    expect(a.namespace).toBe(namespace);
  });

  test('a path outside the resource API is refused with its text', () => {
    expect(() => requestAttributes('GET', '/healthz')).toThrow("'/healthz' is not a Kubernetes resource path");
  });
});

describe('the RBAC table gates requests', () => {
  const table = [...CONTROLLER_PERMISSIONS, ...LEADER_ELECTION_PERMISSIONS];
  test.each([
    ['POST', '/api/v1/namespaces/a/pods', true],
    ['PUT', '/api/v1/namespaces/a/pods/p', false],
    ['GET', '/api/v1/namespaces/a/secrets/s', true],
    ['GET', '/api/v1/namespaces/a/secrets', false],
    ['PUT', '/apis/batch.tensorstack.dev/v1beta1/namespaces/a/genericjobs/j/status', true],
    ['PUT', '/apis/batch.tensorstack.dev/v1beta1/namespaces/a/genericjobs/j', false],
    ['DELETE', '/apis/coordination.k8s.io/v1/namespaces/k/leases/l', false],
  ])('%s %s allowed: %s', (method, path, allowed) => {
    expect(isPermitted(table, requestAttributes(method as string, path as string))).toBe(allowed);
  });
});
