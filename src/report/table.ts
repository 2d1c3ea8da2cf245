import { visibleLength } from './style.js';

/**
 * Strips control characters (terminal escapes included) and bidi overrides from text that may come
 * from a server or a log line: a hostile serverInfo must not be able to rewrite the operator's screen.
 */
export function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, ' ');
}

export interface Column {
  header: string;
  /** Right-align (numbers). */
  right?: boolean;
  /** The column that gives way when the table is wider than the terminal. */
  flex?: boolean;
  max?: number;
}

function truncate(s: string, width: number): string {
  if (visibleLength(s) <= width) return s;
  // Cells holding ANSI codes are short labels; plain text is what gets cut.
  if (s.includes('\x1b')) return s;
  return width <= 1 ? s.slice(0, width) : `${s.slice(0, width - 1)}…`;
}

function pad(s: string, width: number, right = false): string {
  const gap = Math.max(0, width - visibleLength(s));
  return right ? ' '.repeat(gap) + s : s + ' '.repeat(gap);
}

/**
 * Renders rows as an aligned text table. `maxWidth` (the terminal's columns) shrinks the flex column
 * so lines do not wrap.
 */
export function renderTable(
  columns: Column[],
  rows: string[][],
  opts: { maxWidth?: number; indent?: string; header?: (s: string) => string } = {},
): string {
  const indent = opts.indent ?? '';
  const widths = columns.map((c, i) =>
    Math.min(
      c.max ?? Number.POSITIVE_INFINITY,
      Math.max(visibleLength(c.header), ...rows.map((r) => visibleLength(r[i] ?? ''))),
    ),
  );
  if (opts.maxWidth) {
    const total = indent.length + widths.reduce((a, b) => a + b, 0) + 2 * (columns.length - 1);
    const flex = columns.findIndex((c) => c.flex);
    if (total > opts.maxWidth && flex >= 0)
      widths[flex] = Math.max(12, widths[flex]! - (total - opts.maxWidth));
  }
  const line = (cells: string[]) =>
    indent +
    cells
      .map((cell, i) => pad(truncate(cell, widths[i]!), widths[i]!, columns[i]!.right))
      .join('  ')
      .trimEnd();
  const head = line(columns.map((c) => c.header));
  return [opts.header ? opts.header(head) : head, ...rows.map(line)].join('\n');
}

/** A plain table of untrusted text: every cell made printable and clipped to `maxWidth`. */
export function plainTable(headers: string[], rows: string[][], maxWidth = 60): string {
  return `${renderTable(
    headers.map((header) => ({ header, max: maxWidth })),
    rows.map((r) => r.map(printable)),
  )}\n`;
}
