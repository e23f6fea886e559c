import * as pulumi from '@pulumi/pulumi';

/** Kinds whose readiness needs a kubelet, which this tier has not: the provider is told not to wait for them. */
export const KUBELET_READINESS_TYPES = ['kubernetes:apps/v1:Deployment', 'kubernetes:core/v1:Service'];

/** The provider's documented annotation that skips its readiness wait for one object. */
export const SKIP_AWAIT_ANNOTATION = 'pulumi.com/skipAwait';

/**
 * Registers a stack transform (call it first in an inline program) that adds
 * {@link SKIP_AWAIT_ANNOTATION} to Deployments and Services, also those inside ConfigGroups: without
 * a kubelet their pods never become ready, and the provider would wait for them until its timeout.
 * Every other kind (CRDs: until Established) is awaited as usual.
 */
export function skipKubeletReadinessWaits(): void {
  pulumi.runtime.registerResourceTransform(async (args) => {
    if (!KUBELET_READINESS_TYPES.includes(args.type)) return undefined;
    const props = args.props as Record<string, any>;
    const metadata = props.metadata ?? {};
    return { props: { ...props, metadata: { ...metadata, annotations: { ...metadata.annotations, [SKIP_AWAIT_ANNOTATION]: 'true' } } }, opts: args.opts };
  });
}
