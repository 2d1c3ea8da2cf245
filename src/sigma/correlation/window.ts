/** Condition helpers shared by the correlation runtimes. */
import type { CorrelationCondition } from '../types.js';

export function satisfies(c: CorrelationCondition, x: number): boolean {
  if (c.gt !== undefined && !(x > c.gt)) return false;
  if (c.gte !== undefined && !(x >= c.gte)) return false;
  if (c.lt !== undefined && !(x < c.lt)) return false;
  if (c.lte !== undefined && !(x <= c.lte)) return false;
  if (c.eq !== undefined && x !== c.eq) return false;
  if (c.neq !== undefined && x === c.neq) return false;
  return true;
}

/** True when the condition only sets a floor (gt/gte): reaching it can be reported at once. */
export function lowerBoundOnly(c: CorrelationCondition): boolean {
  return c.lt === undefined && c.lte === undefined && c.eq === undefined && c.neq === undefined;
}

/** The smallest whole count that satisfies a floor-only condition. */
export function countThreshold(c: CorrelationCondition): number {
  let n = 1;
  if (c.gte !== undefined) n = Math.max(n, Math.ceil(c.gte));
  if (c.gt !== undefined) n = Math.max(n, Math.floor(c.gt) + 1);
  return n;
}

/** How many distinct values an anchored value_count must remember to decide the condition. */
export function distinctCap(c: CorrelationCondition): number {
  const bounds = [c.gt, c.gte, c.lt, c.lte, c.eq, c.neq].filter((v): v is number => v !== undefined);
  return Math.max(1, Math.floor(Math.max(...bounds)) + 2);
}

/** Linear-interpolated percentile (numpy's default) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 1) return s[0]!;
  const pos = (p / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
