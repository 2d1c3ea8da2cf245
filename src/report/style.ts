import type { Severity } from './model.js';

/** ANSI styling that turns itself off (NO_COLOR, not a terminal). */
export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  severity(sev: Severity, s?: string): string;
  ok(s: string): string;
  bad(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
const SEV_CODE: Record<Severity, number> = { critical: 35, high: 31, medium: 33, low: 36, info: 90 };

export function makeStyle(color: boolean): Style {
  if (!color) {
    const id = (s: string) => s;
    return { bold: id, dim: id, severity: (sev, s) => s ?? sev, ok: id, bad: id };
  }
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    severity: (sev, s) => wrap(SEV_CODE[sev], 39)(s ?? sev),
    ok: wrap(32, 39),
    bad: wrap(31, 39),
  };
}

/** Visible width of a string, ignoring ANSI escapes. */
export function visibleLength(s: string): number {
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}
