/** Timestamp parsing for access logs. All results are epoch milliseconds, NaN when unparseable. */

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    v = v * 10 + c;
  }
  return v;
}

// Logs repeat the same second many times in a row; one cached conversion saves most of the work.
let lastClf = '';
let lastClfValue = Number.NaN;

/**
 * The CLF time starting at `at` in `line` if it equals the last one parsed (no slicing), else NaN and
 * the caller parses it: lets the hot path skip a substring per line.
 */
export function cachedClfTimeAt(line: string, at: number): number {
  return lastClf !== '' && line.startsWith(lastClf, at) ? lastClfValue : Number.NaN;
}

/** Length of a CLF time (`10/Oct/2000:13:55:36 -0700`). */
export const CLF_TIME_LENGTH = 26;

/** `10/Oct/2000:13:55:36 -0700` (nginx `$time_local`, Apache `%t` without the brackets). */
export function parseClfTime(s: string): number {
  if (s === lastClf) return lastClfValue;
  const v = clfTime(s);
  lastClf = s;
  lastClfValue = v;
  return v;
}

function clfTime(s: string): number {
  // dd/Mon/yyyy:HH:MM:SS +zzzz (26 chars); Apache may add fractional seconds in custom %{...}t, not here.
  if (s.length < 26 || s.charCodeAt(2) !== 47 || s.charCodeAt(6) !== 47 || s.charCodeAt(11) !== 58)
    return Number.NaN;
  const day = digits(s, 0, 2);
  const month = MONTHS[s.slice(3, 6)];
  const year = digits(s, 7, 4);
  const h = digits(s, 12, 2);
  const m = digits(s, 15, 2);
  const sec = digits(s, 18, 2);
  if (month === undefined || s.charCodeAt(20) !== 32) return Number.NaN;
  const sign = s.charCodeAt(21);
  const tzh = digits(s, 22, 2);
  const tzm = digits(s, 24, 2);
  if (sign !== 43 && sign !== 45) return Number.NaN;
  const offset = (tzh * 60 + tzm) * 60_000 * (sign === 45 ? -1 : 1);
  return Date.UTC(year, month, day, h, m, sec) - offset;
}

/** ISO 8601 / RFC 3339 (`2024-05-01T10:00:00.123+02:00`, `...Z`); nanosecond fractions are truncated. */
export function parseIsoTime(s: string): number {
  if (s.length < 19 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return Number.NaN;
  // Date.parse handles offsets and up to millisecond fractions; trim longer fractions first.
  const m = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) return Number.NaN;
  const frac = m[2] ? m[2].slice(0, 4).padEnd(4, '0') : '';
  let tz = m[3] ?? 'Z';
  if (tz.length === 5) tz = tz.slice(0, 3) + ':' + tz.slice(3);
  return Date.parse(m[1]!.replace(' ', 'T') + frac + tz);
}

/** Epoch seconds / milliseconds / micro / nanoseconds as a number or numeric string, by magnitude. */
export function parseEpoch(v: number | string): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n) || n <= 0) return Number.NaN;
  if (n < 1e11) return Math.round(n * 1000); // seconds (covers until year 5138)
  if (n < 1e14) return Math.round(n); // milliseconds
  if (n < 1e17) return Math.round(n / 1000); // microseconds
  return Math.round(n / 1e6); // nanoseconds
}

/** Any of the above: a number (epoch), ISO 8601, or CLF. */
export function parseAnyTime(v: unknown): number {
  if (typeof v === 'number') return parseEpoch(v);
  if (typeof v !== 'string' || v === '' || v === '-') return Number.NaN;
  const c = v.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    if (v.charCodeAt(4) === 45) return parseIsoTime(v);
    if (v.charCodeAt(2) === 47) return parseClfTime(v);
    if (/^\d+(\.\d+)?$/.test(v)) return parseEpoch(v);
  }
  if (c === 91 && v.charCodeAt(v.length - 1) === 93) return parseClfTime(v.slice(1, -1));
  return Number.NaN;
}

/** `undefined` for NaN, so events never carry NaN times. */
export function timeOrUndefined(n: number): number | undefined {
  return Number.isNaN(n) ? undefined : n;
}
