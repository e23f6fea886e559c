import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';

/**
 * What our own pods (the controller and the job-scheduler) share: the Pod Security "restricted"
 * profile, probes on the health port, and modest default resources.
 */

/** UID and GID of the bundled image's non-root user. */
export const RUNTIME_USER = 65532;

/** Pod-level security context: non-root. */
export const RESTRICTED_POD_SECURITY_CONTEXT: kplus.PodSecurityContextProps = { ensureNonRoot: true, user: RUNTIME_USER, group: RUNTIME_USER };

/** Container security context meeting Pod Security "restricted", with a read-only root filesystem. */
export const RESTRICTED_CONTAINER_SECURITY_CONTEXT: kplus.ContainerSecurityContextProps = {
  ensureNonRoot: true,
  user: RUNTIME_USER,
  group: RUNTIME_USER,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: [kplus.Capability.ALL] },
  seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
};

/** Requests 100m CPU / 128Mi, limits 500m CPU / 512Mi. */
export function defaultRuntimeResources(): kplus.ContainerResources {
  return {
    cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
    memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) },
  };
}

/** `/healthz` liveness and `/readyz` readiness probes on the health port. */
export function healthProbes(healthPort: number): Pick<kplus.ContainerProps, 'liveness' | 'readiness'> {
  return {
    liveness: kplus.Probe.fromHttpGet('/healthz', { port: healthPort }),
    readiness: kplus.Probe.fromHttpGet('/readyz', { port: healthPort }),
  };
}
