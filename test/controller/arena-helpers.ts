import { eventReasons, waitForEvent } from './helpers';
import type {
  ArenaConfig, ArenaConfigSpec, ArenaJob, ArenaJobSpec, ArenaSource, ArenaSourceSpec, Provider, ProviderSpec,
} from '../../imports/omnia.altairalabs.ai';
import { KubeClient, KubeObject } from '../../src/controller/kube-client';
import { waitFor, WaitOptions } from '../cluster/kube-helpers';

const GROUP_PATH = '/apis/omnia.altairalabs.ai/v1alpha1';

/** The Arena kinds by plural. */
export type ArenaKind = 'arenasources' | 'providers' | 'arenaconfigs' | 'arenajobs';

/** A condition as tests read it. */
export interface TestCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

/** A batch/v1 Job as tests read it. */
export interface TestBatchJob extends KubeObject {
  spec: Record<string, any>;
  status?: Record<string, any>;
}

/** The condition of `type` on an object's status. */
export function conditionOf(obj: { status?: { conditions?: unknown[] } } | undefined, type: string): TestCondition | undefined {
  return (obj?.status?.conditions as TestCondition[] | undefined)?.find((c) => c.type === type);
}

/** Creates and reads the Arena chain in one cluster. */
export class ArenaApi {
  public constructor(public readonly client: KubeClient) {}

  public path(kind: ArenaKind, namespace: string, name?: string): string {
    return `${GROUP_PATH}/namespaces/${namespace}/${kind}${name ? `/${name}` : ''}`;
  }

  public source(namespace: string, name: string, spec: ArenaSourceSpec): Promise<ArenaSource> {
    return this.client.create(this.path('arenasources', namespace), { apiVersion: 'omnia.altairalabs.ai/v1alpha1', kind: 'ArenaSource', metadata: { name, namespace }, spec });
  }

  public provider(namespace: string, name: string, spec: ProviderSpec): Promise<Provider> {
    return this.client.create(this.path('providers', namespace), { apiVersion: 'omnia.altairalabs.ai/v1alpha1', kind: 'Provider', metadata: { name, namespace }, spec });
  }

  public config(namespace: string, name: string, spec: ArenaConfigSpec): Promise<ArenaConfig> {
    return this.client.create(this.path('arenaconfigs', namespace), { apiVersion: 'omnia.altairalabs.ai/v1alpha1', kind: 'ArenaConfig', metadata: { name, namespace }, spec });
  }

  public job(namespace: string, name: string, spec: ArenaJobSpec, labels?: Record<string, string>): Promise<ArenaJob> {
    return this.client.create(this.path('arenajobs', namespace), { apiVersion: 'omnia.altairalabs.ai/v1alpha1', kind: 'ArenaJob', metadata: { name, namespace, labels }, spec });
  }

  public configMap(namespace: string, name: string, data: Record<string, string>): Promise<KubeObject> {
    return this.client.create(`/api/v1/namespaces/${namespace}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
  }

  public secret(namespace: string, name: string, stringData: Record<string, string>): Promise<KubeObject> {
    return this.client.create(`/api/v1/namespaces/${namespace}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData });
  }

  public async get<T>(kind: ArenaKind, namespace: string, name: string): Promise<T> {
    const obj = await this.client.get<T>(this.path(kind, namespace, name));
    if (!obj) throw new Error(`${kind} ${namespace}/${name} does not exist`);
    return obj;
  }

  public patchSpec(kind: ArenaKind, namespace: string, name: string, spec: Record<string, unknown>): Promise<KubeObject> {
    return this.client.mergePatch(this.path(kind, namespace, name), { spec });
  }

  public workerJob(namespace: string, arenaJob: string): Promise<TestBatchJob | undefined> {
    return this.client.get<TestBatchJob>(`/apis/batch/v1/namespaces/${namespace}/jobs/${arenaJob}-worker`);
  }

  /** Waits for an object of `kind` to satisfy `test`; the last status is in the timeout message. */
  public async waitFor<T extends { status?: unknown }>(
    kind: ArenaKind, namespace: string, name: string, what: string, test: (obj: T) => boolean, options: WaitOptions = {},
  ): Promise<T> {
    let last: T | undefined;
    try {
      return await waitFor(`${kind} ${namespace}/${name}: ${what}`, async () => {
        last = await this.client.get<T>(this.path(kind, namespace, name));
        return last && test(last) ? last : undefined;
      }, { timeoutMs: 30_000, ...options });
    } catch (err) {
      throw new Error(`${(err as Error).message}; last status: ${JSON.stringify(last?.status)}`);
    }
  }

  /** Reasons of the Events recorded on the object named `name`. */
  public async eventReasons(namespace: string, name: string): Promise<string[]> {
    return eventReasons(this.client, namespace, name);
  }

  /** See {@link waitForEvent}. */
  public async waitForEvent(namespace: string, name: string, reason: string, options: WaitOptions = {}): Promise<void> {
    return waitForEvent(this.client, namespace, name, reason, options);
  }
}

/** A pack.json listing `scenarios`. */
export function pack(scenarios: string[]): string {
  return JSON.stringify({ name: 'test-pack', scenarios });
}
