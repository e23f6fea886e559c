import type { ControllerPermission } from '../controller-permissions';

/** What RBAC sees of a request: the verb and the resource it acts on. */
export interface RequestAttributes {
  /** RBAC verb: get, list, watch, create, update, patch, delete, deletecollection. */
  readonly verb: string;
  /** API group (`''` for core). */
  readonly apiGroup: string;
  /** Resource, with the subresource as `<resource>/<sub>` (e.g. `genericjobs/status`). */
  readonly resource: string;
  /** Namespace, or undefined for cluster-wide requests. */
  readonly namespace?: string;
}

/**
 * The RBAC attributes of a REST request, computed the way the API server's request-info resolver
 * does for resource paths: `/api/v1/...` is the core group, `/apis/<group>/<version>/...` another;
 * `namespaces/<ns>/` scopes it; a GET on a collection is `list` (`watch` with `?watch=true`), on an
 * object `get`; a DELETE on a collection is `deletecollection`.
 */
export function requestAttributes(method: string, pathAndQuery: string): RequestAttributes {
  const [pathPart, query = ''] = pathAndQuery.split('?', 2) as [string, string?];
  const segments = pathPart.split('/').filter((s) => s !== '');
  let apiGroup: string;
  let rest: string[];
  if (segments[0] === 'api') {
    apiGroup = '';
    rest = segments.slice(2);
  } else if (segments[0] === 'apis') {
    apiGroup = segments[1] ?? '';
    rest = segments.slice(3);
  } else {
    throw new Error(`'${pathPart}' is not a Kubernetes resource path`);
  }
  let namespace: string | undefined;
  // `namespaces/<ns>/<resource>...`; a bare `namespaces/<ns>` is the Namespace object itself.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource = '', name, subresource] = rest;
  const isWatch = new URLSearchParams(query).get('watch') === 'true';
  const upper = method.toUpperCase();
  let verb: string;
  switch (upper) {
    case 'GET': verb = name === undefined ? (isWatch ? 'watch' : 'list') : 'get'; break;
    case 'POST': verb = 'create'; break;
    case 'PUT': verb = 'update'; break;
    case 'PATCH': verb = 'patch'; break;
    case 'DELETE': verb = name === undefined ? 'deletecollection' : 'delete'; break;
    default: throw new Error(`HTTP method '${method}' has no RBAC verb`);
  }
  return { verb, apiGroup, resource: subresource ? `${resource}/${subresource}` : resource, namespace };
}

/** `verb group/resource`, e.g. `update batch.tensorstack.dev/genericjobs/status`. */
export function formatAttributes(a: Pick<RequestAttributes, 'verb' | 'apiGroup' | 'resource'>): string {
  return `${a.verb} ${a.apiGroup === '' ? 'core' : a.apiGroup}/${a.resource}`;
}

/** True when one of `permissions` grants the request. */
export function isPermitted(permissions: readonly ControllerPermission[], a: RequestAttributes): boolean {
  return permissions.some((p) => p.apiGroup === a.apiGroup && p.resources.includes(a.resource) && p.verbs.includes(a.verb));
}
