/**
 * The mcpward audit log: what the guard writes for every request, and detect can read back.
 *
 * One JSON object per line. Keys ARE Sigma webserver field names (`c-ip`, `cs-method`, `cs-uri-query`
 * holding the full request target, `sc-status` ...), plus:
 *   `@timestamp`        ISO 8601 time of the request (UTC, milliseconds)
 *   `x-mcpward-action`  `allowed` | `blocked` | `rewritten`
 *   `x-mcpward-rule`    the rule or policy that decided (optional)
 *   `x-mcpward-reason`  short human reason (optional)
 *   `mcp-method`        the JSON-RPC method (`initialize`, `tools/call` ...) when the body was MCP
 * Any other scalar key is written as given. Derived aliases (`c-uri`, `c-useragent`, `cs-uri-stem` ...)
 * are not written: the parser fills them in.
 *
 * It must never contain secrets, so the writer drops credential headers (Authorization, Cookie, API-key
 * and session headers) and replaces the value of token-like query parameters and bearer/JWT strings with
 * `REDACTED`.
 */

import { ALIAS_FIELDS, LineError, type LineParser, NO_REF } from './event.js';
import { sigmaEvent } from './json.js';

export const AUDIT_ACTIONS = ['allowed', 'blocked', 'rewritten'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditValue = string | number | boolean | null | undefined;

export interface AuditFields {
  /** Request time: Date, epoch ms or ISO text; defaults to now. `_time` (epoch ms) is accepted too. */
  readonly '@timestamp'?: Date | number | string;
  readonly 'x-mcpward-action': AuditAction;
  readonly 'x-mcpward-rule'?: string;
  readonly 'x-mcpward-reason'?: string;
  readonly 'mcp-method'?: string;
  readonly 'c-ip'?: string;
  readonly 'cs-method'?: string;
  /** The full request target (path + `?query`). */
  readonly 'cs-uri-query'?: string;
  readonly 'cs-version'?: string;
  readonly 'cs-host'?: string;
  readonly 'cs-user-agent'?: string;
  readonly 'cs-referer'?: string;
  readonly 'sc-status'?: number;
  readonly 'sc-bytes'?: number;
  readonly 'cs-bytes'?: number;
  readonly 'time-taken'?: number;
  readonly [field: string]: AuditValue | Date;
}

/** Written first, in this order, so lines read well; everything else follows in the caller's order. */
const ORDER = [
  'x-mcpward-action',
  'x-mcpward-rule',
  'x-mcpward-reason',
  'c-ip',
  'cs-method',
  'cs-uri-query',
  'cs-version',
  'cs-host',
  'sc-status',
  'sc-bytes',
  'cs-bytes',
  'time-taken',
  'mcp-method',
  'cs-user-agent',
  'cs-referer',
];

/** Request/response headers that carry credentials; their fields are never written. */
const SECRET_HEADER =
  /^(?:cs|sc)-(?:authorization|proxy-authorization|cookie|set-cookie|mcp-session-id|x-mcp-session-id|x-csrf-token|x-xsrf-token|.*(?:api-?key|token|secret|password|auth).*)$/i;

/** Query parameter names whose values are credentials (matched on the name, or its last `_`/`-` part). */
const SECRET_PARAMS = new Set([
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'key',
  'apikey',
  'password',
  'passwd',
  'pwd',
  'pass',
  'secret',
  'clientsecret',
  'sig',
  'signature',
  'auth',
  'authorization',
  'credential',
  'credentials',
  'session',
  'sessionid',
  'sid',
  'code',
  'jwt',
  'bearer',
  'privatekey',
]);

/** Fields holding a URL or request target, whose query string is redacted. */
const URI_FIELDS = new Set(['cs-uri-query', 'cs-uri', 'c-uri', 'c-uri-query', 'cs-referer', 'cs-referrer']);

export const REDACTED = 'REDACTED';

export function isSecretParam(name: string): boolean {
  let n: string;
  try {
    n = decodeURIComponent(name.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    n = name.toLowerCase();
  }
  if (SECRET_PARAMS.has(n.replace(/[^a-z0-9]/g, ''))) return true;
  const parts = n.split(/[^a-z0-9]+/).filter(Boolean);
  return parts.length > 1 && SECRET_PARAMS.has(parts[parts.length - 1]!);
}

/** `/x?token=abc&id=1` → `/x?token=REDACTED&id=1`. */
export function redactQuery(uri: string): string {
  const q = uri.indexOf('?');
  if (q === -1) return uri;
  const hash = uri.indexOf('#', q);
  const query = hash === -1 ? uri.slice(q + 1) : uri.slice(q + 1, hash);
  const params = query.split(/([&;])/);
  let changed = false;
  for (let i = 0; i < params.length; i += 2) {
    const p = params[i]!;
    const eq = p.indexOf('=');
    const name = eq === -1 ? p : p.slice(0, eq);
    if (eq !== -1 && isSecretParam(name) && p.slice(eq + 1) !== REDACTED) {
      params[i] = `${name}=${REDACTED}`;
      changed = true;
    }
  }
  if (!changed) return uri;
  return uri.slice(0, q + 1) + params.join('') + (hash === -1 ? '' : uri.slice(hash));
}

const BEARER = /\b(Bearer|Basic|Token|Digest)\s+[A-Za-z0-9._~+/=-]{6,}/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

/** Bearer/Basic credentials and JWTs in free text (a User-Agent, a Referer) become REDACTED. */
export function scrubSecrets(s: string): string {
  if (s.length < 10) return s;
  return s.replace(BEARER, `$1 ${REDACTED}`).replace(JWT, REDACTED);
}

function isoTime(v: Date | number | string | undefined): string {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'number') return new Date(v).toISOString();
  if (typeof v === 'string') {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  return new Date().toISOString();
}

/**
 * One audit line (JSON, ending in `\n`). Secrets are removed here, not by the caller: credential
 * headers are dropped, token-like query parameters and bearer/JWT strings become `REDACTED`.
 */
export function formatAuditRecord(fields: AuditFields): string {
  const action = fields['x-mcpward-action'];
  if (!(AUDIT_ACTIONS as readonly string[]).includes(action))
    throw new TypeError(`x-mcpward-action must be one of ${AUDIT_ACTIONS.join(', ')}`);
  const out: Record<string, string | number | boolean | null> = {
    '@timestamp': isoTime(fields['@timestamp'] ?? (fields['_time'] as number | undefined)),
  };
  const put = (k: string) => {
    if (k in out || k.startsWith('_') || k.startsWith('@') || ALIAS_FIELDS.has(k) || SECRET_HEADER.test(k))
      return;
    const v = fields[k];
    if (v === undefined || v instanceof Date) return;
    if (typeof v === 'string') out[k] = scrubSecrets(URI_FIELDS.has(k) ? redactQuery(v) : v);
    else if (typeof v === 'number') out[k] = Number.isFinite(v) ? v : null;
    else if (v === null || typeof v === 'boolean') out[k] = v;
  };
  for (const k of ORDER) put(k);
  for (const k of Object.keys(fields)) put(k);
  return JSON.stringify(out) + '\n';
}

/** Reads one audit line back into a Sigma webserver event (aliases and derived fields filled in). */
export const parseAuditLine: LineParser = (line, ref = NO_REF) => {
  if (line.charCodeAt(0) !== 123) return new LineError('not an mcpward audit record (not a JSON object)');
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return new LineError('not valid JSON (truncated line?)');
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return new LineError('not a JSON object');
  const rec = o as Record<string, unknown>;
  if (typeof rec['@timestamp'] !== 'string' || typeof rec['x-mcpward-action'] !== 'string')
    return new LineError('not an mcpward audit record (no @timestamp / x-mcpward-action)');
  return sigmaEvent(rec, line, ref);
};
