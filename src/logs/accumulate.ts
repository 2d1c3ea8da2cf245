/**
 * A mutable bag the configurable parsers (format strings, JSON key maps) fill field by field before
 * building the event, so each source variable can be handled by a small setter and precedence rules
 * (e.g. `%a` over `%h`, `$request_uri` over `$uri$is_args$args`) live in one place.
 */

import { eventFrom, type LineRef, requestHeaderField, type WebserverEvent } from './event.js';
import { splitRequestLine } from './request.js';
import { parseAnyTime, timeOrUndefined } from './time.js';

export class Acc {
  ip: string | undefined;
  /** Used when no better client address was logged (`%h` when `%a` is absent; XFF is never used). */
  ipFallback: string | undefined;
  user: string | undefined;
  method: string | undefined;
  target: string | undefined;
  path: string | undefined;
  /** Query string without the leading `?`. */
  query: string | undefined;
  version: string | undefined;
  status: number | undefined;
  scBytes: number | undefined;
  /** Body-only byte count, used when the total is not logged. */
  scBodyBytes: number | undefined;
  csBytes: number | undefined;
  referer: string | undefined;
  userAgent: string | undefined;
  host: string | undefined;
  /** Virtual host name, used when no Host header was logged. */
  hostFallback: string | undefined;
  timeTaken: number | undefined;
  time: number | undefined;
  extras: Record<string, unknown> | undefined;

  extra(field: string, value: unknown): void {
    if (value === undefined) return;
    if (this.extras === undefined) this.extras = {};
    this.extras[field] = value;
  }

  /** A request header by its HTTP name: the well-known ones have their own fields, others `cs-<name>`. */
  header(name: string, value: unknown): void {
    const field = requestHeaderField(name);
    const val = str(value);
    if (field === 'cs-referer') this.referer = val;
    else if (field === 'cs-user-agent') this.userAgent = val;
    else if (field === 'cs-host') this.host = val;
    else this.extra(field, val);
  }

  requestLine(req: string): void {
    const r = splitRequestLine(req);
    this.method ??= r.method;
    this.target ??= r.target;
    this.version ??= r.version;
  }

  timeFrom(v: unknown): void {
    const t = timeOrUndefined(parseAnyTime(v));
    if (t !== undefined) this.time ??= t;
  }

  toEvent(raw: string, ref: Readonly<LineRef>): WebserverEvent {
    let target = this.target;
    if (target === undefined && this.path !== undefined) {
      target = this.query ? `${this.path}?${this.query}` : this.path;
    }
    const ev = eventFrom(
      {
        ip: this.ip ?? this.ipFallback,
        user: this.user,
        method: this.method,
        target,
        version: this.version,
        status: this.status,
        scBytes: this.scBytes ?? this.scBodyBytes,
        csBytes: this.csBytes,
        referer: this.referer,
        userAgent: this.userAgent,
        host: this.host ?? this.hostFallback,
        timeTaken: this.timeTaken,
        time: this.time,
      },
      raw,
      ref,
    );
    return this.extras ? Object.assign(ev, this.extras) : ev;
  }
}

/** A finite number from a logged value (`"0.012"`, `12`), else undefined; `-` and `''` are undefined. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || v === '' || v === '-') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Seconds (`0.012`) to milliseconds, rounded to microseconds to hide float noise. */
export function secondsToMs(v: unknown): number | undefined {
  const n = num(v);
  return n === undefined ? undefined : Math.round(n * 1e6) / 1e3;
}

/** A string value; `-` (CLF "absent") and non-scalars are undefined. */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '-' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** `1.2.3.4:5678` / `[::1]:5678` / `::1` → the address without the port. */
export function stripPort(v: string): string {
  if (v.charCodeAt(0) === 91) {
    const end = v.indexOf(']');
    return end === -1 ? v : v.slice(1, end);
  }
  const colon = v.indexOf(':');
  // More than one colon and no brackets: a bare IPv6 address, no port.
  if (colon === -1 || v.indexOf(':', colon + 1) !== -1) return v;
  return v.slice(0, colon);
}
