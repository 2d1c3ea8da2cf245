import type { Exchange } from './exchange.js';

/**
 * The Sigma `webserver` event of one request, as the audit log records it and the live detector
 * sees it. Secrets never get in: credential headers are not read at all, token-like query values
 * become REDACTED, and bearer/JWT-looking text in the logged headers is masked.
 */
export interface SigmaEventFields {
  readonly _time: number;
  readonly 'x-mcpward-action': 'allowed' | 'blocked' | 'rewritten';
  readonly 'x-mcpward-rule'?: string | undefined;
  readonly 'x-mcpward-reason'?: string | undefined;
  readonly 'c-ip': string;
  readonly src_ip: string;
  readonly 'cs-method': string;
  readonly 'cs-uri-stem': string;
  /** The full request target (path + query), as SigmaHQ webserver rules expect. */
  readonly 'cs-uri-query': string;
  readonly 'cs-uri': string;
  readonly 'c-uri': string;
  readonly 'c-uri-stem': string;
  readonly 'c-uri-query': string;
  readonly 'cs-version': string;
  readonly 'cs-host': string | undefined;
  readonly 'sc-status': number;
  readonly 'sc-bytes': number;
  readonly 'cs-bytes': number;
  readonly 'time-taken': number;
  readonly 'mcp-method': string | undefined;
  readonly 'cs-user-agent': string | undefined;
  readonly 'c-useragent': string | undefined;
  readonly 'cs-referer': string | undefined;
  readonly 'cs-referrer': string | undefined;
  readonly [field: string]: unknown;
}

export const REDACTED = 'REDACTED';

/** Query parameter names whose values are credentials (by name, or its last `_`/`-` part). */
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

function isSecretParam(name: string): boolean {
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
export function redactTarget(target: string): string {
  const q = target.indexOf('?');
  if (q === -1) return target;
  const parts = target.slice(q + 1).split(/([&;])/);
  let changed = false;
  for (let i = 0; i < parts.length; i += 2) {
    const p = parts[i]!;
    const eq = p.indexOf('=');
    if (eq !== -1 && isSecretParam(p.slice(0, eq))) {
      parts[i] = `${p.slice(0, eq)}=${REDACTED}`;
      changed = true;
    }
  }
  return changed ? target.slice(0, q + 1) + parts.join('') : target;
}

const BEARER = /\b(Bearer|Basic|Token|Digest)\s+[A-Za-z0-9._~+/=-]{6,}/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

function scrub(s: string | undefined): string | undefined {
  if (s === undefined || s.length < 10) return s;
  return s.replace(BEARER, `$1 ${REDACTED}`).replace(JWT, REDACTED);
}

export function sigmaEvent(x: Exchange): SigmaEventFields {
  const target = scrub(redactTarget(x.target))!;
  const ua = scrub(x.userAgent);
  const referer = x.referer === undefined ? undefined : scrub(redactTarget(x.referer));
  return {
    _time: x.startedAt,
    'x-mcpward-action': x.action,
    'x-mcpward-rule': x.rule,
    'x-mcpward-reason': x.reason,
    'c-ip': x.ip,
    src_ip: x.ip,
    'cs-method': x.method,
    'cs-uri-stem': x.path,
    'cs-uri-query': target,
    'cs-uri': target,
    'c-uri': target,
    'c-uri-stem': x.path,
    'c-uri-query': target,
    'cs-version': `HTTP/${x.httpVersion}`,
    'cs-host': x.host,
    'sc-status': x.status,
    'sc-bytes': x.bytesOut,
    'cs-bytes': x.bytesIn,
    'time-taken': Math.round(performance.now() - x.started),
    'mcp-method': x.mcpMethod,
    'cs-user-agent': ua,
    'c-useragent': ua,
    'cs-referer': referer,
    'cs-referrer': referer,
  };
}
