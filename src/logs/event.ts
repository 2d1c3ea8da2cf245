/**
 * The Sigma `webserver` event every access-log parser produces.
 *
 * Field names follow the Sigma taxonomy (`category: webserver`, with the `category: proxy` spellings as
 * aliases) so SigmaHQ web rules match without a field mapping. A field the log line does not carry is
 * `undefined`: Sigma `null` and `|exists: false` must treat `undefined` and a missing key alike.
 * Every WebserverEvent is a `SigmaEvent` (src/sigma/types.ts): a plain object keyed by field names.
 * See src/logs/README.md for the per-format mapping.
 */

export interface WebserverEvent {
  /** Client address as the server saw it (the TCP peer or the address the server was told to trust). */
  readonly 'c-ip': string | undefined;
  /** Same as `c-ip` (proxy taxonomy spelling). */
  readonly src_ip: string | undefined;
  /** Authenticated user name (`$remote_user`, `%u`). */
  readonly 'cs-username': string | undefined;
  readonly 'cs-method': string | undefined;
  /** Path of the request target, without the query string; not URL-decoded. */
  readonly 'cs-uri-stem': string | undefined;
  /**
   * The FULL request target as sent: path plus `?query` (e.g. `/api/x?id=1`). SigmaHQ webserver rules
   * match paths in this field (`cs-uri-query|endswith: '/mgmt/tm/util/bash'`), so it cannot hold only the
   * query string.
   */
  readonly 'cs-uri-query': string | undefined;
  /** The full request target as sent (same value as `cs-uri-query`). */
  readonly 'cs-uri': string | undefined;
  /** Proxy spelling of `cs-uri`: the request target as logged (absolute-form when the client sent one). */
  readonly 'c-uri': string | undefined;
  /** Proxy spelling of `cs-uri-stem`. */
  readonly 'c-uri-stem': string | undefined;
  /** Proxy spelling of `cs-uri-query` (also the full target). */
  readonly 'c-uri-query': string | undefined;
  /** Extension of the last path segment, without the dot (`exe`, `php`), if it has one. */
  readonly 'c-uri-extension': string | undefined;
  /** Protocol, e.g. `HTTP/1.1`. */
  readonly 'cs-version': string | undefined;
  readonly 'sc-status': number | undefined;
  /** Bytes sent by the server (body, or whole response when only that is logged). */
  readonly 'sc-bytes': number | undefined;
  /** Bytes received by the server (request length). */
  readonly 'cs-bytes': number | undefined;
  /** `User-Agent` header; `''` when the client sent an empty one, `undefined` when it sent none. */
  readonly 'cs-user-agent': string | undefined;
  /** Same as `cs-user-agent` (proxy spelling). */
  readonly 'c-useragent': string | undefined;
  readonly 'cs-referer': string | undefined;
  /** Same as `cs-referer` (proxy spelling). */
  readonly 'cs-referrer': string | undefined;
  /** `Host` header (or the virtual host name when that is all the format logs). */
  readonly 'cs-host': string | undefined;
  /** Request duration in milliseconds. */
  readonly 'time-taken': number | undefined;
  /** Event time, epoch milliseconds (from the log line, never the time it was read). */
  readonly _time: number | undefined;
  /** The original line. */
  readonly _raw: string;
  /** 1-based line number in `_source` (for `.gz`, in the decompressed text). */
  readonly _line: number;
  /** Byte offset of the start of the line in `_source` (decompressed for `.gz`). */
  readonly _offset: number;
  /** File the line came from (`-` for stdin). */
  readonly _source: string;
  /** Other fields some formats carry: `cs-<header>`, `s-port`, `x-mcpward-*`, `mcp-method` ... */
  readonly [field: string]: unknown;
}

/** Where a line came from; parsers copy it into the event. Readers reuse one object per input. */
export interface LineRef {
  source: string;
  line: number;
  offset: number;
}

export const NO_REF: Readonly<LineRef> = Object.freeze({ source: '', line: 0, offset: 0 });

/** A line a parser could not turn into an event, and why. */
export class LineError {
  constructor(readonly reason: string) {}
}

/** A parser: one line (without its newline) to an event, or a LineError saying what was wrong. Pure. */
export type LineParser = (text: string, ref?: Readonly<LineRef>) => WebserverEvent | LineError;

/** The request-level fields a format can supply; everything else is derived from these. */
export interface RequestFields {
  ip?: string | undefined;
  user?: string | undefined;
  method?: string | undefined;
  /** Full request target (path + `?query`). */
  target?: string | undefined;
  version?: string | undefined;
  status?: number | undefined;
  scBytes?: number | undefined;
  csBytes?: number | undefined;
  referer?: string | undefined;
  userAgent?: string | undefined;
  host?: string | undefined;
  timeTaken?: number | undefined;
  time?: number | undefined;
}

/**
 * Builds the event. Every event gets the same own keys in the same order, so the objects share one
 * hidden class and the Sigma engine's property reads stay monomorphic.
 */
export function makeEvent(
  ip: string | undefined,
  user: string | undefined,
  method: string | undefined,
  target: string | undefined,
  version: string | undefined,
  status: number | undefined,
  scBytes: number | undefined,
  csBytes: number | undefined,
  referer: string | undefined,
  userAgent: string | undefined,
  host: string | undefined,
  timeTaken: number | undefined,
  time: number | undefined,
  raw: string,
  ref: Readonly<LineRef>,
): WebserverEvent {
  let stem: string | undefined;
  let ext: string | undefined;
  if (target !== undefined) {
    const q = target.indexOf('?');
    stem = q === -1 ? target : target.slice(0, q);
    ext = extensionOf(stem);
  }
  return {
    'c-ip': ip,
    src_ip: ip,
    'cs-username': user,
    'cs-method': method,
    'cs-uri-stem': stem,
    'cs-uri-query': target,
    'cs-uri': target,
    'c-uri': target,
    'c-uri-stem': stem,
    'c-uri-query': target,
    'c-uri-extension': ext,
    'cs-version': version,
    'sc-status': status,
    'sc-bytes': scBytes,
    'cs-bytes': csBytes,
    'cs-user-agent': userAgent,
    'c-useragent': userAgent,
    'cs-referer': referer,
    'cs-referrer': referer,
    'cs-host': host,
    'time-taken': timeTaken,
    _time: time,
    _raw: raw,
    _line: ref.line,
    _offset: ref.offset,
    _source: ref.source,
  };
}

export function eventFrom(f: RequestFields, raw: string, ref: Readonly<LineRef>): WebserverEvent {
  return makeEvent(
    f.ip,
    f.user,
    f.method,
    f.target,
    f.version,
    f.status,
    f.scBytes,
    f.csBytes,
    f.referer,
    f.userAgent,
    f.host,
    f.timeTaken,
    f.time,
    raw,
    ref,
  );
}

/** `exe` for `/a/b/setup.exe`; undefined when the last segment has no dot (or only a leading one). */
export function extensionOf(path: string): string | undefined {
  // Scan back from the end: the last segment is short, lastIndexOf twice over the path is slower.
  for (let i = path.length - 1; i > 0; i--) {
    const c = path.charCodeAt(i);
    if (c === 47) return undefined;
    if (c === 46) {
      // No slash at all: an authority (`CONNECT host.example:443`), not a path.
      if (i === path.length - 1 || path.charCodeAt(i - 1) === 47 || path.lastIndexOf('/', i) === -1)
        return undefined;
      return path.slice(i + 1);
    }
  }
  return undefined;
}

/** The Sigma field names an event may carry that are aliases of another (never written to the audit log). */
export const ALIAS_FIELDS: ReadonlySet<string> = new Set([
  'src_ip',
  'cs-uri',
  'c-uri',
  'c-uri-stem',
  'c-uri-query',
  'c-uri-extension',
  'cs-uri-stem',
  'c-useragent',
  'cs-referrer',
]);

/** Sigma field name for a request header: `cs-` + lower-case name (`cs-user-agent`, `cs-x-forwarded-for`). */
export function requestHeaderField(name: string): string {
  return 'cs-' + name.toLowerCase().replace(/_/g, '-');
}

/** Sigma field name for a response header: `sc-` + lower-case name (`sc-server`). */
export function responseHeaderField(name: string): string {
  return 'sc-' + name.toLowerCase().replace(/_/g, '-');
}
