/**
 * A counting semaphore with a bounded wait list: at most `limit` holders, at most `maxWaiting`
 * waiters; {@link tryAcquire} refuses beyond that instead of queueing without bound.
 */
export class Semaphore {
  private held = 0;
  private readonly waiting: Array<() => void> = [];

  public constructor(private readonly limit: number, private readonly maxWaiting: number) {}

  /** Resolves once acquired; undefined (at once) when the wait list is full. */
  public tryAcquire(): Promise<void> | undefined {
    if (this.held < this.limit) {
      this.held++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxWaiting) return undefined;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Releases one hold, handing it to the first waiter. */
  public release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = Math.max(0, this.held - 1);
  }

  /** Holders now. */
  public get inUse(): number {
    return this.held;
  }
}
