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

/**
 * A budget of bytes shared by the requests in flight: each takes its body size for as long as it
 * runs. First come, first served: a large request waits for room, and later ones wait behind it
 * rather than starving it. A request larger than the whole budget takes the whole budget.
 */
export class ByteBudget {
  private used = 0;
  private readonly waiting: Array<{ bytes: number; resolve: () => void }> = [];

  public constructor(private readonly limit: number) {}

  /** Resolves with the bytes taken (to give back with {@link release}) once there is room. */
  public async acquire(bytes: number): Promise<number> {
    const take = Math.min(Math.max(0, bytes), this.limit);
    if (take === 0) return 0;
    if (this.waiting.length === 0 && this.used + take <= this.limit) {
      this.used += take;
      return take;
    }
    await new Promise<void>((resolve) => this.waiting.push({ bytes: take, resolve }));
    return take;
  }

  /** Gives back what {@link acquire} took, letting waiters in, in order. */
  public release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
    while (this.waiting.length > 0 && this.used + this.waiting[0]!.bytes <= this.limit) {
      const next = this.waiting.shift()!;
      this.used += next.bytes;
      next.resolve();
    }
  }

  /** Bytes taken now. */
  public get inUse(): number {
    return this.used;
  }
}
