import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { KUEUE_CLUSTER_QUEUE, stripUndefined } from './api';
import { CustomResource, CustomResourceProps } from './custom-resource';
import { sizeToQuantity } from './kubernetes-values';
import { IKueueResourceFlavor } from './kueue-resource-flavor';
import { isIntegerIn } from './validation-helpers';
import type { ClusterQueueSpec, ResourceGroup, ResourceQuota } from '../imports/kueue.x-k8s.io';

/** A Kueue ClusterQueue a LocalQueue feeds: one defined in this app, or an existing one by name. */
export interface IKueueClusterQueue {
  /** Name of the ClusterQueue (cluster-scoped). */
  readonly name: string;
}

/** How a ClusterQueue orders the workloads waiting for admission. */
export enum QueueingStrategy {
  /** Workloads that fit are admitted even if older ones wait (Kueue's default). */
  BEST_EFFORT_FIFO = 'BestEffortFIFO',
  /** Strictly by creation time: an older workload that does not fit blocks newer ones. */
  STRICT_FIFO = 'StrictFIFO',
}

/**
 * Quantities of the resources Kueue accounts for: the usual ones typed, anything else by its
 * resource name.
 */
export interface KueueResources {
  /**
   * CPU.
   *
   * @default - not covered
   */
  readonly cpu?: kplus.Cpu;
  /**
   * Memory.
   *
   * @default - not covered
   */
  readonly memory?: Size;
  /**
   * NVIDIA GPUs (`nvidia.com/gpu`).
   *
   * @default - not covered
   */
  readonly nvidiaGpus?: number;
  /**
   * Pods.
   *
   * @default - not covered
   */
  readonly pods?: number;
  /**
   * Other resources by name, e.g. `{ 'example.com/fpga': 2 }`, as integers or quantity strings.
   *
   * @default - none
   */
  readonly other?: Record<string, number | string>;
}

/** The quota one flavor provides in a resource group. */
export interface FlavorQuotaOptions {
  /** The ResourceFlavor, or its name. */
  readonly flavor: IKueueResourceFlavor | string;
  /**
   * The quota. Every flavor of a resource group covers the same resources: use 0 for a resource a
   * flavor does not provide.
   */
  readonly nominalQuota: KueueResources;
  /**
   * Most this ClusterQueue may borrow from its cohort beyond `nominalQuota` (needs `cohort`).
   *
   * @default - no limit
   */
  readonly borrowingLimit?: KueueResources;
  /**
   * Most of its unused quota this ClusterQueue lends to its cohort.
   *
   * @default - all of it
   */
  readonly lendingLimit?: KueueResources;
}

/** Resources given quota together, and the flavors (in order of preference) that provide them. */
export interface ResourceGroupOptions {
  /** The flavors; Kueue tries them in this order. */
  readonly flavors: FlavorQuotaOptions[];
}

/** One requirement of a namespace selector. */
export interface NamespaceSelectorRequirement {
  /** Label key. */
  readonly key: string;
  /** `In`, `NotIn`, `Exists` or `DoesNotExist`. */
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  /**
   * Values, for `In` and `NotIn`.
   *
   * @default - none
   */
  readonly values?: string[];
}

/** Which namespaces may submit to a ClusterQueue (a `metav1.LabelSelector`). */
export interface NamespaceSelector {
  /**
   * Labels the namespace must have.
   *
   * @default - none
   */
  readonly matchLabels?: Record<string, string>;
  /**
   * Requirements on the namespace's labels.
   *
   * @default - none
   */
  readonly matchExpressions?: NamespaceSelectorRequirement[];
}

/** Properties for `KueueClusterQueue`. */
export interface KueueClusterQueueProps extends CustomResourceProps {
  /**
   * Resource groups with their flavors' quotas. More can be added with `addResourceGroup()`.
   *
   * @default - none yet
   */
  readonly resourceGroups?: ResourceGroupOptions[];
  /**
   * Cohort: ClusterQueues of the same cohort borrow each other's unused quota.
   *
   * @default - no cohort
   */
  readonly cohort?: string;
  /**
   * Namespaces whose LocalQueues may submit to this ClusterQueue.
   *
   * @default - every namespace (`{}`; Kueue's own default, an absent selector, admits none)
   */
  readonly namespaceSelector?: NamespaceSelector;
  /**
   * Queueing strategy.
   *
   * @default QueueingStrategy.BEST_EFFORT_FIFO
   */
  readonly queueingStrategy?: QueueingStrategy;
}

const MAX_RESOURCE_GROUPS = 16;
const MAX_FLAVORS_PER_GROUP = 64;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUANTITY = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

interface GroupEntry {
  readonly covered: string[];
  readonly flavors: { name: string; nominal: Map<string, string>; borrowing?: Map<string, string>; lending?: Map<string, string> }[];
}

/**
 * A Kueue `ClusterQueue` (`kueue.x-k8s.io/v1beta2`, cluster-scoped): quota per resource flavor
 * that admits the workloads of the LocalQueues pointing to it, so a team's quota is defined in
 * the same app as its jobs.
 *
 * @example
 * const flavor = new KueueResourceFlavor(chart, 'default-flavor', { metadata: { name: 'default-flavor' } });
 * new KueueClusterQueue(chart, 'cluster-queue', {
 *   resourceGroups: [{ flavors: [{ flavor, nominalQuota: { cpu: kplus.Cpu.units(8), nvidiaGpus: 16 } }] }],
 * });
 */
export class KueueClusterQueue extends CustomResource implements IKueueClusterQueue {
  /** An existing ClusterQueue, by name. */
  public static fromClusterQueueName(name: string): IKueueClusterQueue {
    return { name };
  }

  private readonly props: KueueClusterQueueProps;
  private readonly groups: GroupEntry[] = [];

  public constructor(scope: Construct, id: string, props: KueueClusterQueueProps = {}) {
    super(scope, id, KUEUE_CLUSTER_QUEUE, props);
    this.props = props;
    if (props.cohort !== undefined && (!DNS_SUBDOMAIN.test(props.cohort) || props.cohort.length > 253)) {
      throw new Error(`'cohort' ('${props.cohort}') must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', at most 253 characters`);
    }
    for (const g of props.resourceGroups ?? []) this.addResourceGroup(g);
  }

  /** Adds a resource group. Throws on invalid quotas. */
  public addResourceGroup(group: ResourceGroupOptions): void {
    const prop = `resourceGroups[${this.groups.length}]`;
    if (this.groups.length >= MAX_RESOURCE_GROUPS) throw new Error(`'${prop}': a ClusterQueue has at most ${MAX_RESOURCE_GROUPS} resource groups`);
    if (group.flavors.length === 0) {
      throw new Error(`'${prop}.flavors' is empty: a resource group needs at least one flavor, e.g. { flavor: 'default-flavor', nominalQuota: { cpu: Cpu.units(8) } }`);
    }
    if (group.flavors.length > MAX_FLAVORS_PER_GROUP) throw new Error(`'${prop}.flavors' has ${group.flavors.length} flavors: a resource group has at most ${MAX_FLAVORS_PER_GROUP}`);
    const flavors = group.flavors.map((f, i) => {
      const at = `${prop}.flavors[${i}]`;
      const name = typeof f.flavor === 'string' ? f.flavor : f.flavor.name;
      if (!DNS_SUBDOMAIN.test(name) || name.length > 253) throw new Error(`'${at}.flavor' ('${name}') must be a ResourceFlavor name: a DNS-1123 subdomain of at most 253 characters`);
      if (f.borrowingLimit && this.props.cohort === undefined) {
        throw new Error(`'${at}.borrowingLimit' is set, but the ClusterQueue has no 'cohort' to borrow from: set 'cohort' or remove the borrowing limit`);
      }
      return {
        name,
        nominal: quantities(`${at}.nominalQuota`, f.nominalQuota),
        borrowing: f.borrowingLimit && quantities(`${at}.borrowingLimit`, f.borrowingLimit),
        lending: f.lendingLimit && quantities(`${at}.lendingLimit`, f.lendingLimit),
      };
    });
    const covered = [...flavors[0].nominal.keys()];
    if (covered.length === 0) throw new Error(`'${prop}.flavors[0].nominalQuota' is empty: give a quota for at least one resource, e.g. { cpu: Cpu.units(8) }`);
    flavors.forEach((f, i) => {
      const at = `${prop}.flavors[${i}]`;
      const keys = [...f.nominal.keys()];
      const missing = covered.filter((r) => !f.nominal.has(r));
      const extra = keys.filter((r) => !covered.includes(r));
      if (missing.length > 0 || extra.length > 0) {
        throw new Error(`'${at}.nominalQuota' covers ${keys.join(', ')}, but the group covers ${covered.join(', ')} (from 'flavors[0]'): every flavor of a resource group covers the same resources; use 0 for a resource a flavor does not provide`);
      }
      for (const [kind, limits] of [['borrowingLimit', f.borrowing], ['lendingLimit', f.lending]] as const) {
        const outside = [...(limits?.keys() ?? [])].filter((r) => !covered.includes(r));
        if (outside.length > 0) throw new Error(`'${at}.${kind}' names ${outside.join(', ')}, which the group does not cover (${covered.join(', ')})`);
      }
      if (flavors.findIndex((o) => o.name === f.name) !== i) throw new Error(`'${at}.flavor' ('${f.name}') is listed twice in the group`);
    });
    this.groups.forEach((g, gi) => {
      const resource = covered.find((r) => g.covered.includes(r));
      if (resource) {
        throw new Error(`'${prop}' covers '${resource}', which 'resourceGroups[${gi}]' already covers: each resource belongs to one resource group; merge the groups`);
      }
      const flavor = flavors.find((f) => g.flavors.some((o) => o.name === f.name));
      if (flavor) {
        throw new Error(`'${prop}' uses flavor '${flavor.name}', which 'resourceGroups[${gi}]' already uses: each flavor belongs to one resource group; merge the groups`);
      }
    });
    this.groups.push({ covered, flavors });
  }

  protected renderSpec(): ClusterQueueSpec {
    const p = this.props;
    const resourceGroups: ResourceGroup[] = this.groups.map((g) => ({
      coveredResources: g.covered,
      flavors: g.flavors.map((f) => ({
        name: f.name,
        resources: g.covered.map((r): ResourceQuota => ({
          name: r,
          nominalQuota: f.nominal.get(r)!,
          borrowingLimit: f.borrowing?.get(r),
          lendingLimit: f.lending?.get(r),
        })),
      })),
    }));
    return stripUndefined({
      cohortName: p.cohort,
      namespaceSelector: p.namespaceSelector ?? {},
      queueingStrategy: p.queueingStrategy,
      resourceGroups: resourceGroups.length > 0 ? resourceGroups : undefined,
    });
  }
}

/** Resource name -> quantity string, in the order cpu, memory, nvidia.com/gpu, pods, others. */
function quantities(prop: string, r: KueueResources): Map<string, string> {
  const out = new Map<string, string>();
  const count = (field: string, name: string, n: number | undefined): void => {
    if (n === undefined) return;
    if (!isIntegerIn(n, 0, Number.MAX_SAFE_INTEGER)) throw new Error(`'${prop}.${field}' (${n}) must be a non-negative integer`);
    out.set(name, String(n));
  };
  if (r.cpu) out.set('cpu', r.cpu.amount);
  if (r.memory) out.set('memory', sizeToQuantity(r.memory));
  count('nvidiaGpus', 'nvidia.com/gpu', r.nvidiaGpus);
  count('pods', 'pods', r.pods);
  for (const [name, value] of Object.entries(r.other ?? {})) {
    if (out.has(name)) throw new Error(`'${prop}.other' names '${name}', which has its own field: use that field`);
    const text = String(value);
    if (!QUANTITY.test(text) || text.startsWith('-')) {
      throw new Error(`'${prop}.other['${name}']' ('${text}') must be a non-negative Kubernetes quantity, e.g. 4, '500m' or '64Gi'`);
    }
    out.set(name, text);
  }
  return out;
}
