/** A counting semaphore: at most `limit` tasks run at once; the rest wait in order. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private head = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit must be a positive integer, got ${limit}`);
  }

  /** Tasks running or waiting. */
  get load(): number {
    return this.active + this.waiting.length - this.head;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  acquire(): Promise<void> | undefined {
    if (this.active < this.limit) {
      this.active++;
      return undefined;
    }
    // The permit is handed over by release(): `active` does not drop and rise again, so no newcomer overtakes.
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head++];
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      next();
    } else {
      this.active--;
    }
  }
}

/** One Limiter per key (per address, say), created on first use and dropped when idle. */
export class KeyedLimiter {
  private readonly limiters = new Map<string, Limiter>();
  constructor(private readonly limit: number) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new Limiter(this.limit);
      this.limiters.set(key, limiter);
    }
    try {
      return await limiter.run(task);
    } finally {
      if (limiter.load === 0) this.limiters.delete(key);
    }
  }

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.limiters.size;
  }
}

/**
 * Sockets in flight: at most `perKey` at once to one address (be gentle with an origin) and at most `total` at
 * once over all (file descriptors, memory, CPU). A task takes its address's permit first and only then a global
 * one, so a busy address never holds global permits while it waits.
 */
export class SocketLimiter {
  private readonly global: Limiter;
  private readonly perAddress: KeyedLimiter;

  constructor(readonly total: number, readonly perKey: number) {
    this.global = new Limiter(total);
    this.perAddress = new KeyedLimiter(perKey);
  }

  run<T>(address: string, task: () => Promise<T>): Promise<T> {
    return this.perAddress.run(address, () => this.global.run(task));
  }
}

/** Maps over items with at most `concurrency` in flight, keeping the input order in the output. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
