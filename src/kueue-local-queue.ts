import { Construct } from 'constructs';
import { KUEUE_LOCAL_QUEUE } from './api';
import { CustomResource, CustomResourceProps } from './custom-resource';
import { IKueueClusterQueue } from './kueue-cluster-queue';
import { requireProps } from './validation-helpers';
import type { LocalQueueSpec } from '../imports/kueue.x-k8s.io';

/** A Kueue LocalQueue a workload is submitted to: one defined in this app, or an existing one by name. */
export interface IKueueLocalQueue {
  /** Name of the LocalQueue; the value of the workload's `kueue.x-k8s.io/queue-name` label. */
  readonly name: string;
  /**
   * Namespace of the LocalQueue, when known: a LocalQueue takes workloads of its own namespace only.
   *
   * @default - unknown (not checked)
   */
  readonly namespace?: string;
}

/** Properties for `KueueLocalQueue`. */
export interface KueueLocalQueueProps extends CustomResourceProps {
  /** The ClusterQueue that admits this queue's workloads, or its name. Immutable once created. */
  readonly clusterQueue: IKueueClusterQueue | string;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * A Kueue `LocalQueue` (`kueue.x-k8s.io/v1beta2`): where the workloads of one namespace are
 * submitted (their `kueue.x-k8s.io/queue-name` label names it); it feeds one ClusterQueue.
 */
export class KueueLocalQueue extends CustomResource implements IKueueLocalQueue {
  /** An existing LocalQueue, by name (in the workload's namespace). */
  public static fromLocalQueueName(name: string): IKueueLocalQueue {
    return { name };
  }

  private readonly clusterQueueName: string;

  public constructor(scope: Construct, id: string, props: KueueLocalQueueProps) {
    super(scope, id, KUEUE_LOCAL_QUEUE, requireProps('KueueLocalQueue', props, {
      clusterQueue: 'the ClusterQueue the queue submits to: a KueueClusterQueue construct or its name, e.g. \'cluster-queue\'',
    }));
    this.clusterQueueName = typeof props.clusterQueue === 'string' ? props.clusterQueue : props.clusterQueue.name;
    if (!DNS_SUBDOMAIN.test(this.clusterQueueName) || this.clusterQueueName.length > 253) {
      throw new Error(`'clusterQueue' ('${this.clusterQueueName}') must be a ClusterQueue name: a DNS-1123 subdomain of at most 253 characters`);
    }
    if (!DNS_SUBDOMAIN.test(this.name) || this.name.length > 63) {
      throw new Error(`'metadata.name' ('${this.name}') must be a DNS-1123 subdomain of at most 63 characters: it is the value of the workloads' kueue.x-k8s.io/queue-name label`);
    }
  }

  /** The namespace of the LocalQueue (the chart's, unless set in `metadata`). */
  public get namespace(): string | undefined {
    return this.apiObject.metadata.namespace;
  }

  protected renderSpec(): LocalQueueSpec {
    return { clusterQueue: this.clusterQueueName };
  }
}
