/** Timestamp parsing for access logs. All results are epoch milliseconds, NaN when unparseable. */

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Month index from the three letters at `i` (a switch, not a lookup of a substring), or -1. */
function monthAt(s: string, i: number): number {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  const c = s.charCodeAt(i + 2);
  let m = -1;
  switch (a) {
    case 74: // J
      m = b === 97 ? 0 : c === 110 ? 5 : 6;
      break;
    case 70: // F
      m = 1;
      break;
    case 77: // M
      m = c === 114 ? 2 : 4;
      break;
    case 65: // A
      m = b === 112 ? 3 : 7;
      break;
    case 83: // S
      m = 8;
      break;
    case 79: // O
      m = 9;
      break;
    case 78: // N
      m = 10;
      break;
    case 68: // D
      m = 11;
      break;
  }
  if (m === -1) return -1;
  const name = MONTH_NAMES[m]!;
  return name.charCodeAt(1) === b && name.charCodeAt(2) === c ? m : -1;
}

/** Two decimal digits at `i`, or a negative number / > 99 when they are not digits. */
function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1000;
}

// Logs stay on one day for millions of lines: Date.UTC runs once per day seen, not per line.
let lastDayKey = -1;
let lastDayStart = 0;

/** Length of a CLF time (`10/Oct/2000:13:55:36 -0700`). */
export const CLF_TIME_LENGTH = 26;

/**
 * The CLF time (`10/Oct/2000:13:55:36 -0700`) starting at `at` in `s`, read in place with charCodeAt
 * (the hot path: no substring, no Date per line). NaN when malformed.
 */
export function clfTimeAt(s: string, at: number): number {
  if (
    s.charCodeAt(at + 2) !== 47 ||
    s.charCodeAt(at + 6) !== 47 ||
    s.charCodeAt(at + 11) !== 58 ||
    s.charCodeAt(at + 14) !== 58 ||
    s.charCodeAt(at + 17) !== 58 ||
    s.charCodeAt(at + 20) !== 32
  )
    return Number.NaN;
  const day = d2(s, at);
  const year = d2(s, at + 7) * 100 + d2(s, at + 9);
  const month = monthAt(s, at + 3);
  const h = d2(s, at + 12);
  const m = d2(s, at + 15);
  const sec = d2(s, at + 18);
  const sign = s.charCodeAt(at + 21);
  const tz = d2(s, at + 22) * 60 + d2(s, at + 24);
  if (month < 0 || day < 1 || year < 0 || h < 0 || m < 0 || sec < 0 || tz < 0) return Number.NaN;
  if (sign !== 43 && sign !== 45) return Number.NaN;
  const key = (year * 16 + month) * 32 + day;
  if (key !== lastDayKey) {
    lastDayStart = Date.UTC(year, month, day);
    lastDayKey = key;
  }
  const offset = tz * 60_000;
  return lastDayStart + h * 3_600_000 + m * 60_000 + sec * 1000 - (sign === 45 ? -offset : offset);
}

/** `10/Oct/2000:13:55:36 -0700` (nginx `$time_local`, Apache `%t` without the brackets). */
export function parseClfTime(s: string): number {
  return s.length === CLF_TIME_LENGTH ? clfTimeAt(s, 0) : Number.NaN;
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
