import { isIP } from 'node:net';
import { defaultKnowledgeBase, type KnowledgeBase, loadKnowledgeBase } from '../disclosure/load.js';
import { normalisePath } from '../disclosure/match.js';
import type { EndpointSignature } from '../disclosure/schema.js';
import type { IdentityPolicy } from '../mcp/identity-rewrite.js';
import { identityTriggers } from '../mcp/identity-rewrite.js';
import { PROTOCOL_REVISIONS } from '../mcp/revisions.js';
import { UserError } from '../util/errors.js';
import { genericRpcError } from './answers.js';
import { AddressSet } from './cidr.js';
import type { GuardPolicyConfig } from './options.js';

/** Headers that describe one connection, never forwarded in either direction (RFC 9110 §7.6.1). */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Revisions a client may name in MCP-Protocol-Version (the TypeScript SDK still accepts 2024-10-07). */
const KNOWN_REVISIONS = new Set<string>([...PROTOCOL_REVISIONS, '2024-10-07']);

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]', '::1'];

/** Everything the guard decides with, computed once from the options and the knowledge base. */
export interface CompiledPolicy {
  config: GuardPolicyConfig;
  kb: KnowledgeBase;
  /** Response headers let through. */
  allowHeaders: Set<string>;
  endpoints: Map<string, EndpointSignature['guard']>;
  identity: IdentityPolicy;
  identityTriggers: string[];
  /** Whether an error text matches the patterns catalogue (stack traces, paths, error pages...). */
  discloses(text: string): boolean;
  /** Whether a page or script is one of the web UIs of ui.yaml (undefined: UIs are let through). */
  isUi: ((text: string) => boolean) | undefined;
  /** Allowed Host names (lower case, no port); undefined: every name. */
  hosts: Set<string> | undefined;
  /** Allowed Origins (exact, lower case); undefined: judged by host name. */
  origins: Set<string> | undefined;
  clients: AddressSet | undefined;
  tokens: Set<string>;
  trustProxy: AddressSet | undefined;
  knownRevisions: Set<string>;
}

function resolveToken(t: string): string {
  if (!t.startsWith('env:')) return t;
  const name = t.slice(4);
  const v = process.env[name];
  if (!v) throw new UserError(`environment variable ${name} is not set`, 'clients.tokens');
  return v;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export interface CompileContext {
  /** Address the guard listens on, for the default Host allowlist. */
  listenHost?: string;
  kb?: KnowledgeBase;
}

export function compilePolicy(config: GuardPolicyConfig, ctx: CompileContext = {}): CompiledPolicy {
  const kb =
    ctx.kb ?? (config.signatures.length ? loadKnowledgeBase(config.signatures) : defaultKnowledgeBase());
  const allowHeaders = new Set([...kb.allowlist, ...config.headers.allow]);
  for (const h of [...config.headers.deny, ...HOP_BY_HOP]) allowHeaders.delete(h);
  const endpoints = new Map<string, EndpointSignature['guard']>();
  if (config.endpoints.lock) for (const e of kb.endpoints) endpoints.set(normalisePath(e.path), e.guard);
  const patterns = kb.patterns.map((p) => new RegExp(p.re.source, p.re.flags.replace('g', '')));
  const discloses = (text: string): boolean => {
    for (const re of patterns) if (re.test(text)) return true;
    return false;
  };
  const uiPatterns = kb.uis
    .flatMap((u) => [u.page, ...u.asset])
    .map((re) => new RegExp(re.source, re.flags.replace('g', '')));
  const isUi =
    config.uis === 'block' && uiPatterns.length > 0
      ? (text: string) => uiPatterns.some((re) => re.test(text))
      : undefined;
  const identity: IdentityPolicy = {
    replace: { name: config.serverInfo.name, version: config.serverInfo.version },
    remove: kb.mcp.serverInfoFields.remove,
    metaKey: kb.mcp.metaServerInfoKey,
    resultFields: kb.mcp.resultFields,
    strip: config.serverInfo.instructions,
    ...(config.errors.sanitize ? { errorDiscloses: discloses, genericError: genericRpcError } : {}),
  };
  let hosts: Set<string> | undefined;
  if (config.hosts) hosts = new Set(config.hosts.map(stripPort));
  else if (ctx.listenHost === undefined || isLoopback(ctx.listenHost)) hosts = new Set(LOOPBACK_HOSTS);
  return {
    config,
    kb,
    allowHeaders,
    endpoints,
    identity,
    identityTriggers: identityTriggers(identity),
    discloses,
    isUi,
    hosts,
    origins: config.origins ? new Set(config.origins.map((o) => o.replace(/\/+$/, ''))) : undefined,
    clients: config.clients.allow.length ? new AddressSet(config.clients.allow, 'clients.allow') : undefined,
    tokens: new Set(config.clients.tokens.map(resolveToken)),
    trustProxy: config.trustProxy.length ? new AddressSet(config.trustProxy, 'trustProxy') : undefined,
    knownRevisions: KNOWN_REVISIONS,
  };
}

/** `example.com:8080` → `example.com`; `[::1]:80` → `[::1]`. */
export function stripPort(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(':');
  // A bare IPv6 address has several colons and no port.
  if (colon === -1 || h.indexOf(':', colon + 1) !== -1) return h;
  return h.slice(0, colon);
}
