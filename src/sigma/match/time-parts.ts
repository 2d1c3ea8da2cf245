/**
 * The time modifiers (minute, hour, day, week, month, year) read a part of a date field. Per the
 * spec they do no timezone conversion: an ISO 8601 string is read as written; numbers (epoch
 * milliseconds, or seconds below 1e11) and Date objects are read in UTC.
 */
import type { TimePart } from '../types.js';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/;

export function timePart(v: unknown, part: TimePart): number | undefined {
  let y: number;
  let mo: number;
  let d: number;
  let h = 0;
  let mi = 0;
  if (typeof v === 'string') {
    const m = ISO.exec(v);
    if (m) {
      y = Number(m[1]);
      mo = Number(m[2]);
      d = Number(m[3]);
      h = m[4] ? Number(m[4]) : 0;
      mi = m[5] ? Number(m[5]) : 0;
    } else {
      const t = Date.parse(v);
      if (Number.isNaN(t)) return undefined;
      return fromDate(new Date(t), part);
    }
  } else if (typeof v === 'number') {
    return fromDate(new Date(v < 1e11 ? v * 1000 : v), part);
  } else if (v instanceof Date) {
    return fromDate(v, part);
  } else return undefined;
  switch (part) {
    case 'minute':
      return mi;
    case 'hour':
      return h;
    case 'day':
      return d;
    case 'month':
      return mo;
    case 'year':
      return y;
    case 'week':
      return isoWeek(y, mo, d);
  }
}

function fromDate(dt: Date, part: TimePart): number | undefined {
  if (Number.isNaN(dt.getTime())) return undefined;
  switch (part) {
    case 'minute':
      return dt.getUTCMinutes();
    case 'hour':
      return dt.getUTCHours();
    case 'day':
      return dt.getUTCDate();
    case 'month':
      return dt.getUTCMonth() + 1;
    case 'year':
      return dt.getUTCFullYear();
    case 'week':
      return isoWeek(dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate());
  }
}

/** ISO 8601 week number (1-53). */
function isoWeek(y: number, m: number, d: number): number {
  const date = new Date(Date.UTC(y, m - 1, d));
  const day = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  return Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
}
