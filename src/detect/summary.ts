/** The end-of-run summary on stderr: lines read = evaluated + skipped (with reasons), alerts by level. */
import { ALERT_LEVELS, type AlertLevel } from '../alerts/model.js';
import { type LogStats, SKIP_REASONS } from '../logs/pipeline.js';

const n = (x: number) => x.toLocaleString('en-US');

function rate(lines: number, ms: number): string {
  if (ms <= 0) return '';
  const r = (lines / ms) * 1000;
  const text = r >= 1e6 ? `${(r / 1e6).toFixed(2)}M` : r >= 1e3 ? `${(r / 1e3).toFixed(0)}k` : r.toFixed(0);
  return `, ${text} lines/s`;
}

export function summaryLines(
  stats: LogStats,
  alerts: Readonly<Partial<Record<AlertLevel, number>>>,
  ms: number,
  threads = 0,
): string[] {
  const skipped = SKIP_REASONS.filter((r) => stats.skippedBy[r] > 0)
    .map((r) => `${n(stats.skippedBy[r])} ${r}`)
    .join(', ');
  const files = `${stats.inputs} input${stats.inputs === 1 ? '' : 's'}${threads > 1 ? ` (${threads} worker threads)` : ''}`;
  const lines = [
    `${n(stats.lines)} lines read = ${n(stats.parsed)} evaluated + ${n(stats.skipped)} skipped${skipped ? ` (${skipped})` : ''}; ${files} in ${(ms / 1000).toFixed(1)} s${rate(stats.lines, ms)}`,
  ];
  const total = ALERT_LEVELS.reduce((s, l) => s + (alerts[l] ?? 0), 0);
  const byLevel = [...ALERT_LEVELS]
    .reverse()
    .filter((l) => (alerts[l] ?? 0) > 0)
    .map((l) => `${alerts[l]} ${l}`)
    .join(', ');
  lines.push(`${total} alert${total === 1 ? '' : 's'}${byLevel ? `: ${byLevel}` : ''}`);
  for (const s of stats.samples.slice(0, 3))
    lines.push(`skipped ${s.source}:${s.line}: ${s.reason}${s.detail ? ` (${s.detail})` : ''}`);
  for (const p of stats.problems.slice(0, 5)) lines.push(`${p.source}: ${p.message}`);
  return lines;
}
