/**
 * At most N at once in this process, first come first served. Mirrors take one each: a fleet whose jobs
 * end together would otherwise stream every video at once (the worker offers thousands of activity
 * slots for watches, which mostly sleep; a mirror holds buffers).
 */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /**
   * Run `work` when a place is free. While it waits, `waiting` is called every `everyMs` (an activity
   * heartbeats, so it is not taken for dead); an aborted `signal` stops the wait.
   */
  async run<T>(
    work: () => Promise<T>,
    options: { signal?: AbortSignal; waiting?: () => void; everyMs?: number } = {},
  ): Promise<T> {
    await this.acquire(options);
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private async acquire(options: { signal?: AbortSignal; waiting?: () => void; everyMs?: number }): Promise<void> {
    if (this.running < this.limit) {
      this.running += 1;
      return;
    }
    options.signal?.throwIfAborted();
    let granted!: () => void;
    const turn = new Promise<void>((resolve) => (granted = resolve));
    this.waiting.push(granted);
    const beat = options.waiting && setInterval(options.waiting, options.everyMs ?? 10_000);
    const aborted = new Promise<never>((_, reject) =>
      options.signal?.addEventListener('abort', () => reject(options.signal!.reason), { once: true }),
    );
    try {
      await Promise.race([turn, aborted]);
    } catch (error) {
      const index = this.waiting.indexOf(granted);
      if (index >= 0) this.waiting.splice(index, 1);
      else this.release(); // granted as it was aborted: hand the place on
      throw error;
    } finally {
      if (beat) clearInterval(beat);
    }
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next)
      next(); // the place passes straight to the next in line
    else this.running -= 1;
  }
}
