import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { normalisePath } from '../disclosure/match.js';
import { rewriteIdentity } from '../mcp/identity-rewrite.js';
import { SseRewriter } from '../mcp/sse-rewrite.js';
import {
  type Answer,
  endpointAnswer,
  errorAnswer,
  genericError,
  methodNotAllowed,
  tooManyRequests,
} from './answers.js';
import type { AuditLog } from './audit.js';
import type { Blocklist } from './blocklist.js';
import { unmapIPv4 } from './cidr.js';
import type { DetectionActions, LiveDetector } from './detect.js';
import { sigmaEvent } from './event.js';
import { Exchange, type RequestHead } from './exchange.js';
import { legacyToken, maskEndpoint, openLegacy } from './legacy-sessions.js';
import type { BlockReason, GuardMetrics } from './metrics.js';
import { type CompiledPolicy, stripPort } from './policy.js';
import type { RateLimiter } from './rate-limit.js';
import type { SessionTokens } from './session-tokens.js';

/** Long-lived parts that survive a configuration reload. */
export interface GuardServices {
  metrics: GuardMetrics;
  limiter: RateLimiter;
  blocklist: Blocklist;
  /** Seals upstream session ids and legacy SSE endpoints into the tokens clients see. */
  tokens: SessionTokens;
  audit?: AuditLog | undefined;
  detector?: LiveDetector | undefined;
  actions?: DetectionActions | undefined;
  /** Operational log (one line per call): alerts, reload notes. */
  log: (line: string) => void;
}

/**
 * How a response goes out. `pass`: bytes as they come. `json`: collected, serverInfo rewritten, sent
 * with a Content-Length. `sse`: streamed through the SSE rewriter. `replace`: the body is dropped for a
 * generic JSON-RPC error (the upstream's body is read only for its error code).
 */
export interface ResponsePlan {
  mode: 'pass' | 'json' | 'sse' | 'replace';
  status: number;
  /** Allowed response headers, flat; no Content-Length unless mode is `pass`. */
  headers: string[];
  /** `json` mode holds an HTML page or script to be checked against the web UIs of ui.yaml. */
  ui?: boolean;
}

const FORWARD_METHODS = new Set(['GET', 'POST', 'DELETE', 'OPTIONS', 'HEAD']);
/**
 * Headers an error answer keeps from the upstream's: what a client needs to act on the error. The rest
 * (and Express's CSP + nosniff pair on its error pages) describe a body that is no longer there.
 */
function keptOnError(name: string): boolean {
  return (
    name === 'mcp-session-id' ||
    name === 'mcp-protocol-version' ||
    name === 'www-authenticate' ||
    name === 'retry-after' ||
    name === 'vary' ||
    name.startsWith('access-control-')
  );
}

/** A header by lower-case name, whatever the case of the keys. */
function headerValue(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | string[] | undefined {
  const v = headers[name];
  if (v !== undefined) return v;
  for (const k in headers) if (k.toLowerCase() === name) return headers[k];
  return undefined;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function mediaType(v: string | undefined): string {
  if (!v) return '';
  const semi = v.indexOf(';');
  return (semi === -1 ? v : v.slice(0, semi)).trim().toLowerCase();
}

function bearer(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(v);
  return m ? m[1] : undefined;
}

function tokenMatches(token: string, tokens: Set<string>): boolean {
  const a = Buffer.from(token);
  let ok = false;
  for (const t of tokens) {
    const b = Buffer.from(t);
    // Compare every token, in constant time per token, so timing says nothing about which was close.
    if (a.length === b.length && timingSafeEqual(a, b)) ok = true;
  }
  return ok;
}

/**
 * The one guard: requests in → decisions, responses out → rewritten. The reverse proxy and the
 * node:http, Express and Hono middleware are thin adapters over it.
 */
export class GuardCore {
  private triggerBufs: Buffer[];

  constructor(
    public policy: CompiledPolicy,
    readonly services: GuardServices,
  ) {
    this.triggerBufs = policy.identityTriggers.map((t) => Buffer.from(t));
  }

  setPolicy(policy: CompiledPolicy): void {
    this.policy = policy;
    this.triggerBufs = policy.identityTriggers.map((t) => Buffer.from(t));
    this.services.limiter.setDefault(policy.config.rateLimit);
    if (policy.config.detect) this.services.actions?.reconfigure(policy.config.detect);
  }

  /** The client address: the TCP peer, or the last untrusted X-Forwarded-For hop behind trusted proxies. */
  clientIp(head: RequestHead): string {
    const peer = unmapIPv4(head.remoteAddress ?? '');
    const trust = this.policy.trustProxy;
    if (!trust?.has(peer)) return peer;
    const xff = first(head.headers['x-forwarded-for']);
    if (!xff) return peer;
    const hops = xff.split(',').map((h) => h.trim());
    for (let i = hops.length - 1; i >= 0; i--) {
      const h = unmapIPv4(hops[i]!);
      if (h && !trust.has(h)) return h;
    }
    return peer;
  }

  begin(head: RequestHead): Exchange {
    return new Exchange(head, this.clientIp(head));
  }

  private deny(x: Exchange, reason: BlockReason, status: number, rule?: string): Answer {
    x.blocked(reason, rule);
    this.services.metrics.block(reason);
    return errorAnswer(status);
  }

  /** Checks made before the body is read: who, how fast, which Host/Origin, which method and path. */
  admit(x: Exchange, head: RequestHead): Answer | undefined {
    const p = this.policy;
    const cfg = p.config;
    const s = this.services;
    const blocked = s.blocklist.get(x.ip);
    if (blocked) return this.deny(x, 'blocklist', cfg.clients.denyStatus, blocked.reason);
    if (p.clients && !p.clients.has(x.ip)) return this.deny(x, 'client', cfg.clients.denyStatus);
    if (p.tokens.size > 0) {
      const raw = first(head.headers[cfg.clients.tokenHeader]);
      const token = cfg.clients.tokenHeader === 'authorization' ? bearer(raw) : raw?.trim();
      if (!token || !tokenMatches(token, p.tokens)) return this.deny(x, 'client', cfg.clients.denyStatus);
    }
    const wait = s.limiter.take(x.ip);
    if (wait > 0) {
      x.blocked('ratelimit');
      s.metrics.block('ratelimit');
      return tooManyRequests(wait);
    }
    if (p.hosts) {
      const host = head.headers.host;
      if (!host || !p.hosts.has(stripPort(host))) return this.deny(x, 'host', 403);
    }
    const origin = first(head.headers.origin);
    if (origin !== undefined && !this.originAllowed(origin)) return this.deny(x, 'origin', 403);
    const uniform = cfg.errors.uniform;
    if (uniform && !FORWARD_METHODS.has(x.method)) {
      x.rewritten('method');
      return methodNotAllowed();
    }
    if (p.endpoints.size > 0) {
      const lock = p.endpoints.get(normalisePath(x.path));
      if (lock) {
        x.rewritten(`endpoint ${lock}`);
        s.metrics.rewrite('endpoint');
        return endpointAnswer(lock);
      }
    }
    // A session token that does not open is an unknown session (404, so clients re-initialize),
    // answered here: the upstream never sees an id the guard did not hand out.
    const sid = head.headers['mcp-session-id'];
    if (sid !== undefined) {
      const id = typeof sid === 'string' ? s.tokens.open('session', sid.trim()) : undefined;
      if (id === undefined) {
        x.rewritten('unknown session');
        return errorAnswer(404);
      }
      x.session = id;
    }
    if (x.query) {
      const token = legacyToken(x.query);
      if (token) {
        const target = openLegacy(s.tokens, token);
        if (!target) {
          x.rewritten('unknown session');
          return errorAnswer(404);
        }
        x.legacy = target;
      }
    }
    if (!uniform) return undefined;
    const version = first(head.headers['mcp-protocol-version']);
    if (version !== undefined && !p.knownRevisions.has(version.trim())) {
      x.rewritten('protocol version');
      return errorAnswer(400, null, genericError(400, -32022));
    }
    if (x.method === 'POST') {
      if (mediaType(first(head.headers['content-type'])) !== 'application/json') {
        x.rewritten('media type');
        return errorAnswer(415);
      }
      if (!x.legacy) {
        const accept = first(head.headers.accept) ?? '';
        if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
          x.rewritten('accept');
          return errorAnswer(406);
        }
      }
    }
    return undefined;
  }

  private originAllowed(origin: string): boolean {
    const o = origin.trim().toLowerCase();
    const p = this.policy;
    if (p.origins) return p.origins.has(o);
    if (!p.hosts) return true;
    if (o === 'null') return false;
    try {
      const u = new URL(o);
      return p.hosts.has(u.hostname) || p.hosts.has(`[${u.hostname.replace(/^\[|\]$/g, '')}]`);
    } catch {
      return false;
    }
  }

  /** Checks on a POST body: well-formed JSON-RPC. Records the request id and method. */
  inspectBody(x: Exchange, body: Buffer): Answer | undefined {
    x.bytesIn = body.length;
    if (x.method !== 'POST' || body.length === 0) return undefined;
    const uniform = this.policy.config.errors.uniform;
    let msg: unknown;
    try {
      msg = JSON.parse(body.toString('utf8'));
    } catch {
      if (!uniform) return undefined;
      x.rewritten('malformed JSON');
      return errorAnswer(400, null, { code: -32700, message: 'Parse error' });
    }
    const one = Array.isArray(msg) ? msg[0] : msg;
    const valid = Array.isArray(msg) ? msg.length > 0 && msg.every(isRpcMessage) : isRpcMessage(msg);
    if (one && typeof one === 'object') {
      const o = one as Record<string, unknown>;
      if (typeof o['method'] === 'string') x.mcpMethod = o['method'].slice(0, 200);
      const id = o['id'];
      if (!Array.isArray(msg) && (typeof id === 'string' || typeof id === 'number')) x.rpcId = id;
    }
    if (!valid && uniform) {
      x.rewritten('not JSON-RPC');
      return errorAnswer(400, x.rpcId, { code: -32600, message: 'Invalid Request' });
    }
    return undefined;
  }

  /** Decides how a response goes out and filters its headers by the allowlist. */
  plan(
    x: Exchange,
    upstreamStatus: number,
    headers: Readonly<Record<string, string | string[] | undefined>>,
  ): ResponsePlan {
    const p = this.policy;
    const sessions = this.sessionTokens(headerValue(headers, 'mcp-session-id'));
    // An id too long to seal must not pass as it is: the exchange becomes a generic 502.
    if (sessions === null) x.reason ??= 'upstream session id cannot be masked';
    const status = sessions === null ? 502 : upstreamStatus;
    const replace = sessions === null || (p.config.errors.sanitize && status >= 400);
    const out: string[] = [];
    let contentType = '';
    let contentLength: string | undefined;
    let removed = false;
    for (const name in headers) {
      const v = headers[name];
      if (v === undefined) continue;
      const n = name.toLowerCase();
      if (n === 'content-type') contentType = String(v).toLowerCase();
      if (!p.allowHeaders.has(n)) {
        if (n !== 'connection' && n !== 'keep-alive' && n !== 'transfer-encoding') removed = true;
        continue;
      }
      if (n === 'content-length') {
        contentLength = String(first(v));
        continue;
      }
      if (replace && !keptOnError(n)) continue;
      if (n === 'mcp-session-id') {
        for (const t of sessions ?? []) out.push(name, t);
        continue;
      }
      if (Array.isArray(v)) for (const one of v) out.push(name, one);
      else out.push(name, v);
    }
    if (removed) {
      x.rewritten('headers');
      this.services.metrics.rewrite('headers');
    }
    let mode: ResponsePlan['mode'];
    if (replace) mode = 'replace';
    else if (x.method === 'HEAD' || status < 200 || status === 204 || status === 304) mode = 'pass';
    else if (contentType.startsWith('text/event-stream')) mode = 'sse';
    else if (contentType.includes('json')) mode = 'json';
    else if (p.isUi && (contentType.startsWith('text/html') || contentType.includes('javascript')))
      mode = 'json';
    else mode = 'pass';
    if (mode === 'pass' && contentLength !== undefined) out.push('content-length', contentLength);
    if (mode === 'sse') {
      x.stream = true;
      this.services.metrics.openStreams.inc();
    }
    // 421 (Python SDK's wrong-Host answer) is itself a fingerprint; the guard says 403 for that.
    const plan: ResponsePlan = { mode, status: status === 421 ? 403 : status, headers: out };
    if (mode === 'json' && !contentType.includes('json')) plan.ui = true;
    return plan;
  }

  /**
   * The tokens that stand for an upstream's Mcp-Session-Id value(s): undefined when there is none,
   * null when one cannot be sealed.
   */
  private sessionTokens(v: string | string[] | undefined): string[] | null | undefined {
    if (v === undefined) return undefined;
    const out: string[] = [];
    for (const one of Array.isArray(v) ? v : [v]) {
      const t = this.services.tokens.seal('session', one.trim());
      if (t === undefined) return null;
      out.push(t);
    }
    this.services.metrics.rewrite('session-id');
    return out;
  }

  /** The SSE rewriter for a streamed response; `emit` receives the bytes to send. */
  sse(x: Exchange, emit: (chunk: Buffer) => void): SseRewriter {
    const p = this.policy;
    const legacyStream = x.method === 'GET';
    const triggers = legacyStream ? [...p.identityTriggers, 'endpoint'] : p.identityTriggers;
    const tokens = this.services.tokens;
    return new SseRewriter(
      {
        triggers,
        maxEventBytes: p.config.limits.maxRewriteBytes,
        rewrite: (data, event) => {
          if (event === 'endpoint' && legacyStream) {
            const masked = maskEndpoint(data, x.path, tokens, x.route);
            if (!masked) return undefined;
            this.services.metrics.rewrite('sse-endpoint');
            x.rewritten('sse endpoint');
            return masked;
          }
          const out = rewriteIdentity(data, p.identity);
          if (out !== undefined) {
            this.services.metrics.rewrite('serverinfo');
            x.rewritten('serverinfo');
          }
          return out;
        },
      },
      emit,
    );
  }

  /**
   * A collected body (`json` mode): a JSON body rewritten if it names the software behind it; a page
   * or script of a known web UI replaced by the generic 404.
   */
  collected(x: Exchange, plan: ResponsePlan, body: Buffer): Buffer | Answer {
    if (!plan.ui) return this.json(x, body);
    const isUi = this.policy.isUi;
    if (!isUi || body.length > this.policy.config.limits.maxRewriteBytes || !isUi(body.toString('utf8')))
      return body;
    x.rewritten('web UI');
    this.services.metrics.rewrite('ui');
    return errorAnswer(404, x.rpcId);
  }

  /** A collected JSON body, rewritten if it names the software behind it. */
  json(x: Exchange, body: Buffer): Buffer {
    if (body.length > this.policy.config.limits.maxRewriteBytes) return body;
    let hit = false;
    for (const t of this.triggerBufs)
      if (body.indexOf(t) !== -1) {
        hit = true;
        break;
      }
    if (!hit) return body;
    const out = rewriteIdentity(body.toString('utf8'), this.policy.identity);
    if (out === undefined) return body;
    this.services.metrics.rewrite('serverinfo');
    x.rewritten('serverinfo');
    return Buffer.from(out, 'utf8');
  }

  /** The generic answer that replaces an error response; `body` is the upstream's (for its code). */
  replace(x: Exchange, plan: ResponsePlan, body: Buffer | undefined): Answer {
    let code: number | undefined;
    if (body && body.length > 0 && body.length <= 65_536) code = rpcErrorCode(body);
    const extra = plan.status === 405 ? [...plan.headers, 'allow', 'GET, POST, DELETE'] : plan.headers;
    x.rewritten('error');
    this.services.metrics.rewrite('error');
    return errorAnswer(plan.status, x.rpcId, genericError(plan.status, code), extra);
  }

  /** Records the exchange: metrics, audit line, live detection. Called once per exchange. */
  finish(x: Exchange): void {
    if (x.finished) return;
    x.finished = true;
    const s = this.services;
    if (x.stream) s.metrics.openStreams.dec();
    s.metrics.request(x.action, x.stream ? undefined : (performance.now() - x.started) / 1000);
    if (!s.audit && !s.detector) return;
    const e = sigmaEvent(x);
    s.audit?.write(e);
    if (s.detector) {
      let alerts: ReturnType<LiveDetector['observe']>;
      try {
        alerts = s.detector.observe(e);
      } catch (err) {
        s.log(`mcpward guard: detector failed: ${(err as Error).message}`);
        return;
      }
      if (alerts.length > 0) s.actions?.handle(alerts, e);
    }
  }
}

function isRpcMessage(m: unknown): boolean {
  if (!m || typeof m !== 'object' || Array.isArray(m)) return false;
  const o = m as Record<string, unknown>;
  if (o['jsonrpc'] !== '2.0') return false;
  return typeof o['method'] === 'string' || 'result' in o || 'error' in o;
}

/** The JSON-RPC error code in an upstream error body, if it has one. */
function rpcErrorCode(body: Buffer): number | undefined {
  const c = body[0];
  if (c !== 123 && c !== 91) return undefined;
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    const m = (Array.isArray(v) ? v[0] : v) as Record<string, unknown> | undefined;
    const e = m?.['error'] as Record<string, unknown> | undefined;
    const code = e?.['code'];
    return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
  } catch {
    return undefined;
  }
}

export type { Answer } from './answers.js';
export { Exchange, type RequestHead } from './exchange.js';
export type { IncomingHttpHeaders };
