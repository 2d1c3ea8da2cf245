/** `500ms`, `2s`, `1m`, `1h`, `1d`, or a bare number of milliseconds; undefined when it is none of those. */
export function durationMs(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(value.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h' | 'd';
  return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]);
}
