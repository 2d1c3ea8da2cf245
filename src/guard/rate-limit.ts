/**
 * Per-source token buckets. The table is bounded: past `maxSources` the least recently seen source
 * is forgotten (a forgotten source starts again with a full bucket, which errs on letting through).
 */
interface Bucket {
  tokens: number;
  last: number;
  rps: number;
  burst: number;
  /** Epoch ms after which a per-source override (from detection) ends; 0 for the default rate. */
  until: number;
}

export interface Rate {
  rps: number;
  burst?: number | undefined;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private defaultRate: Rate | undefined,
    private readonly maxSources = 100_000,
  ) {}

  setDefault(rate: Rate | undefined): void {
    this.defaultRate = rate;
    for (const [k, b] of this.buckets) if (b.until === 0) this.buckets.delete(k);
  }

  /** Puts `source` on a slower rate until `until` (epoch ms). */
  limit(source: string, rate: Rate, until: number): void {
    const burst = rate.burst ?? Math.max(1, Math.ceil(rate.rps));
    this.touch(source, { tokens: burst, last: Date.now(), rps: rate.rps, burst, until });
  }

  /** 0 when the request may go ahead, else the seconds until it could. */
  take(source: string, now = Date.now()): number {
    let b = this.buckets.get(source);
    if (b && b.until !== 0 && b.until <= now) {
      this.buckets.delete(source);
      b = undefined;
    }
    if (!b) {
      const rate = this.defaultRate;
      if (!rate) return 0;
      const burst = rate.burst ?? Math.max(1, Math.ceil(rate.rps));
      b = { tokens: burst, last: now, rps: rate.rps, burst, until: 0 };
      this.touch(source, b);
    } else {
      // Re-insert so the Map's order is least-recently-seen first.
      this.buckets.delete(source);
      this.buckets.set(source, b);
    }
    b.tokens = Math.min(b.burst, b.tokens + ((now - b.last) / 1000) * b.rps);
    b.last = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / b.rps;
  }

  get size(): number {
    return this.buckets.size;
  }

  private touch(source: string, b: Bucket): void {
    this.buckets.delete(source);
    this.buckets.set(source, b);
    if (this.buckets.size > this.maxSources) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
  }
}
