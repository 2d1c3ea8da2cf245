import { redactQuery, scrubSecrets } from '../logs/audit.js';
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

/** `/x?token=abc&id=1` → `/x?token=REDACTED&id=1` (the audit log's own redaction). */
export const redactTarget = redactQuery;

function scrub(s: string | undefined): string | undefined {
  return s === undefined ? s : scrubSecrets(s);
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
