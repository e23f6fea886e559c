import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { KUEUE_RESOURCE_FLAVOR, stripUndefined } from './api';
import { CustomResource, CustomResourceProps } from './custom-resource';
import { renderTolerations, TAINT_EFFECTS, validateTolerations } from './kubernetes-values';
import type { ResourceFlavorSpec, Taint } from '../imports/kueue.x-k8s.io';

/** A Kueue ResourceFlavor a ClusterQueue gives quota for: one defined in this app, or an existing one by name. */
export interface IKueueResourceFlavor {
  /** Name of the ResourceFlavor (cluster-scoped). */
  readonly name: string;
}

/** Properties for `KueueResourceFlavor`. */
export interface KueueResourceFlavorProps extends CustomResourceProps {
  /**
   * Labels of the nodes this flavor stands for (at most 8). Kueue adds them as node selector to
   * the pods it admits with this flavor.
   *
   * @default - every node (a flavor without labels)
   */
  readonly nodeLabels?: Record<string, string>;
  /**
   * Taints of the flavor's nodes (at most 8): workloads must tolerate them to get this flavor.
   *
   * @default - none
   */
  readonly nodeTaints?: k8s.Taint[];
  /**
   * Tolerations Kueue adds to the pods admitted with this flavor (at most 8).
   *
   * @default - none
   */
  readonly tolerations?: k8s.Toleration[];
}

const MAX_ENTRIES = 8;

/**
 * A Kueue `ResourceFlavor` (`kueue.x-k8s.io/v1beta2`, cluster-scoped): a kind of node, by labels
 * and taints, whose resources a `KueueClusterQueue` gives quota for. A flavor without labels
 * stands for every node (Kueue's usual `default-flavor`).
 */
export class KueueResourceFlavor extends CustomResource implements IKueueResourceFlavor {
  /** An existing ResourceFlavor, by name. */
  public static fromResourceFlavorName(name: string): IKueueResourceFlavor {
    return { name };
  }

  private readonly props: KueueResourceFlavorProps;

  public constructor(scope: Construct, id: string, props: KueueResourceFlavorProps = {}) {
    super(scope, id, KUEUE_RESOURCE_FLAVOR, props);
    this.props = props;
    const labels = Object.keys(props.nodeLabels ?? {}).length;
    if (labels > MAX_ENTRIES) throw new Error(`'nodeLabels' has ${labels} labels: a ResourceFlavor has at most ${MAX_ENTRIES}`);
    const taints = props.nodeTaints ?? [];
    if (taints.length > MAX_ENTRIES) throw new Error(`'nodeTaints' has ${taints.length} taints: a ResourceFlavor has at most ${MAX_ENTRIES}`);
    taints.forEach((t, i) => {
      if (!TAINT_EFFECTS.includes(t.effect)) {
        throw new Error(`'nodeTaints[${i}].effect' ('${t.effect}') must be NoSchedule, PreferNoSchedule or NoExecute`);
      }
    });
    const tolerations = props.tolerations ?? [];
    if (tolerations.length > MAX_ENTRIES) throw new Error(`'tolerations' has ${tolerations.length} entries: a ResourceFlavor has at most ${MAX_ENTRIES}`);
    validateTolerations('tolerations', tolerations);
  }

  protected renderSpec(): ResourceFlavorSpec {
    const p = this.props;
    return stripUndefined({
      nodeLabels: p.nodeLabels,
      nodeTaints: p.nodeTaints?.map((t) => k8s.toJson_Taint(t) as Taint),
      tolerations: renderTolerations(p.tolerations),
    });
  }
}
