import { TestApi } from './helpers';
import type { GenericJob } from '../../imports/batch.tensorstack.dev';
import { waitFor } from '../cluster/kube-helpers';

/**
 * A kubelet stand-in for tests without nodes: it takes the pods of one namespace from Pending to
 * Running, fails the first pod of every replica whose name ends with `failOnceSuffix`, and lets
 * Running pods succeed once {@link finishAll} is called. Like a kubelet, it shrugs off an API server
 * that is away and tries again next round; a patch whose answer was lost still took effect, so a
 * pod already Failed counts as failed.
 */
export class KubeletStandIn {
  /** Names of the replicas failed once so far. */
  public readonly failed = new Set<string>();
  private finishing = false;
  private running = true;
  private readonly loop: Promise<void>;

  public constructor(private readonly api: TestApi, private readonly namespace: string, private readonly failOnceSuffix: string) {
    this.loop = this.run();
  }

  /** From now on, Running pods succeed. */
  public finishAll(): void {
    this.finishing = true;
  }

  /** Ends the loop (after its current round). */
  public async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const pods = (await this.api.pods(this.namespace)).filter((p) => !p.metadata?.deletionTimestamp);
        for (let i = 0; i < pods.length; i += 8) {
          await Promise.allSettled(pods.slice(i, i + 8).map((p) => this.step(p.metadata!.name!, p.status?.phase)));
        }
      } catch {
        // the API server is away: try again next round
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private async step(name: string, phase: string | undefined): Promise<void> {
    const failsOnce = name.endsWith(this.failOnceSuffix);
    if (failsOnce && phase === 'Failed') {
      this.failed.add(name);
    } else if (failsOnce && !this.failed.has(name) && phase === 'Pending') {
      await this.api.setPodPhase(this.namespace, name, 'Failed');
      this.failed.add(name);
    } else if (phase === 'Pending') {
      await this.api.setPodPhase(this.namespace, name, 'Running');
    } else if (phase === 'Running' && this.finishing) {
      await this.api.setPodPhase(this.namespace, name, 'Succeeded');
    }
  }
}

/**
 * Waits until all `count` GenericJobs of `namespace` Succeeded, then checks that each restarted
 * exactly once and that every one of their `replicas` pods exists and Succeeded: no restart lost or
 * counted twice, no pod lost.
 */
export async function expectEachSucceededWithOneRestart(api: TestApi, namespace: string, count: number, replicas: number): Promise<GenericJob[]> {
  const jobs = await waitFor('every job Succeeded', async () => {
    const list = await api.client.list<GenericJob>(`/apis/batch.tensorstack.dev/v1beta1/namespaces/${namespace}/genericjobs`);
    return list.items.length === count && list.items.every((j) => j.status?.phase === 'Succeeded') ? list.items : undefined;
  }, { timeoutMs: 180_000, intervalMs: 500 });
  for (const job of jobs) {
    expect({ job: job.metadata.name, restarts: job.status?.tasks?.[0]?.restartCount, backoff: job.status?.backoffCount })
      .toEqual({ job: job.metadata.name, restarts: 1, backoff: 1 });
  }
  const pods = (await api.pods(namespace)).filter((p) => !p.metadata?.deletionTimestamp);
  expect(pods).toHaveLength(count * replicas);
  expect(pods.filter((p) => p.status?.phase !== 'Succeeded').map((p) => p.metadata?.name)).toEqual([]);
  return jobs;
}
