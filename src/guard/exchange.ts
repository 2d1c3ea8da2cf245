import type { IncomingHttpHeaders } from 'node:http';
import type { JsonRpcId } from '../mcp/jsonrpc.js';
import type { LegacyTarget } from './legacy-sessions.js';

/** What an adapter knows about an incoming request before its body. */
export interface RequestHead {
  method: string;
  /** The request target as sent (path + query). */
  url: string;
  /** Lower-case names, as node:http gives them. */
  headers: IncomingHttpHeaders;
  /** TCP peer address. */
  remoteAddress: string | undefined;
  httpVersion: string;
}

export type AuditAction = 'allowed' | 'blocked' | 'rewritten';

/** One request/response through the guard: what it was, what the guard did, what it cost. */
export class Exchange {
  readonly started = performance.now();
  readonly startedAt = Date.now();
  ip: string;
  method: string;
  target: string;
  path: string;
  query: string;
  host: string | undefined;
  userAgent: string | undefined;
  referer: string | undefined;
  httpVersion: string;
  /** From the JSON-RPC body: the request id (null for batches and notifications) and method. */
  rpcId: JsonRpcId = null;
  mcpMethod: string | undefined = undefined;
  /** A legacy SSE POST whose `?session=` token mapped back to the upstream's endpoint. */
  legacy: LegacyTarget | undefined = undefined;
  /** The upstream's session id the request's Mcp-Session-Id token stands for. */
  session: string | undefined = undefined;
  /** Index of the route chosen (proxy only). */
  route = -1;
  status = 0;
  bytesIn = 0;
  bytesOut = 0;
  action: AuditAction = 'allowed';
  rule: string | undefined = undefined;
  reason: string | undefined = undefined;
  /** The response is an SSE stream (not counted in the latency histogram). */
  stream = false;
  finished = false;

  constructor(head: RequestHead, ip: string) {
    this.ip = ip;
    this.method = head.method;
    this.target = head.url;
    const q = head.url.indexOf('?');
    this.path = q === -1 ? head.url : head.url.slice(0, q);
    this.query = q === -1 ? '' : head.url.slice(q + 1);
    this.host = head.headers.host;
    this.userAgent = head.headers['user-agent'];
    this.referer = head.headers.referer;
    this.httpVersion = head.httpVersion;
  }

  /** Marks the exchange as changed by the guard (a blocked one stays blocked). */
  rewritten(reason?: string): void {
    if (this.action === 'allowed') this.action = 'rewritten';
    if (reason && !this.reason) this.reason = reason;
  }

  blocked(reason: string, rule?: string): void {
    this.action = 'blocked';
    this.reason = reason;
    if (rule) this.rule = rule;
  }
}
