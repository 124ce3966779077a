/**
 * A gateway's request budget (requests per second per API key), as a token bucket every request of
 * this process waits its turn in. Gateways count per key, across every worker: a deployment of W
 * workers gives each VIDEO_API_MAX_RPS / VIDEO_WORKER_COUNT (see config.ts). Waiting, not failing:
 * a poll that waits is a poll that comes later, which is exactly what a budget asks for.
 */
export class RateBudget {
  private tokens: number;
  private refilledAt = Date.now();
  /** Requests take their turns in order. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly perSecond: number,
    /**
     * How many requests may go at once after a quiet spell. 1 by default: requests are spread evenly,
     * so no one-second window at the gateway ever sees more than the budget.
     */
    readonly burst = 1,
  ) {
    if (!(perSecond > 0)) throw new RangeError('a rate budget needs a positive number of requests per second');
    this.tokens = this.burst;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
  }

  /** Resolves when this request may go. */
  acquire(): Promise<void> {
    const turn = this.tail.then(async () => {
      this.refill(Date.now());
      if (this.tokens < 1) {
        await new Promise((resolve) => setTimeout(resolve, ((1 - this.tokens) / this.perSecond) * 1000));
        this.refill(Date.now());
      }
      this.tokens -= 1;
    });
    this.tail = turn;
    return turn;
  }
}
