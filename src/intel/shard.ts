import { createHash } from 'node:crypto';
import { UserError } from '../util/errors.js';

/** A slice of the target list: shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** `2/4` → { index: 2, count: 4 }. */
export function parseShard(value: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || count < 1 || count > 1_000_000 || index < 1 || index > count) {
    throw new UserError(`expected i/n with 1 <= i <= n (e.g. 1/4), got "${value}"`, '--shard');
  }
  return { index, count };
}

/** The form a target is hashed in, so `HTTP://Host/` and `http://host/` land in the same shard. */
function shardKey(target: string): string {
  return target.trim().toLowerCase();
}

/**
 * Which of `n` shards (1-based) a target belongs to: the first 6 bytes of its SHA-256, modulo n.
 * Deterministic across machines, platforms and Node versions, so shards scanned on different
 * hosts partition the same target list exactly.
 */
export function shardOf(target: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`shard count must be a positive integer, got ${n}`);
  const digest = createHash('sha256').update(shardKey(target), 'utf8').digest();
  return (digest.readUIntBE(0, 6) % n) + 1;
}

export function inShard(target: string, shard: Shard): boolean {
  return shardOf(target, shard.count) === shard.index;
}
