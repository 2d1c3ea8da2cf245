/**
 * Spaces requests evenly to at most `perSecond` across the whole scan. No bursts: a polite scanner
 * should look like a steady trickle, not a spike every second.
 */
export class RateLimiter {
  private next = 0;
  private readonly interval: number;

  constructor(perSecond: number | undefined) {
    this.interval = perSecond && perSecond > 0 ? 1000 / perSecond : 0;
  }

  async take(signal?: AbortSignal): Promise<void> {
    if (this.interval === 0) return;
    const now = performance.now();
    const at = Math.max(now, this.next);
    this.next = at + this.interval;
    const wait = at - now;
    if (wait > 1) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
      });
    }
  }
}
