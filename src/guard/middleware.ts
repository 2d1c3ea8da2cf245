import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseWith } from '../util/validate.js';
import { GuardCore, type GuardServices } from './core.js';
import type { LiveDetector } from './detect.js';
import { type HonoContextLike, honoMiddleware } from './middleware-hono.js';
import { nodeMiddleware } from './middleware-node.js';
import { type GuardPolicyInput, guardPolicySchema } from './options.js';
import { compilePolicy } from './policy.js';
import { closeServices, createServices } from './services.js';

export interface GuardMiddlewareOptions extends GuardPolicyInput {
  /** Live detector fed every request (e.g. the Sigma engine with the SAFE-T1604 rules). */
  detector?: LiveDetector;
  /** Where alerts and notes go (default stderr). */
  log?: (line: string) => void;
  /**
   * The address the app listens on, for the default Host allowlist: loopback (the default) allows
   * localhost/127.0.0.1/[::1]; anything else allows any Host unless `hosts` is given.
   */
  listenHost?: string;
}

/** Connect-style middleware (node:http, Express) with the Hono variant and the core attached. */
export interface GuardMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
  /** The same guard as Hono middleware: `app.use('*', guard.hono)`. */
  hono: (c: HonoContextLike, next: () => Promise<void>) => Promise<Response | undefined>;
  core: GuardCore;
  services: GuardServices;
  /** Flushes the audit log and stops background work. */
  close(): Promise<void>;
}

/**
 * The guard as middleware, for apps that serve MCP themselves:
 *
 *   app.use(mcpwardGuard({ serverInfo: { name: 'tools' } }))          // Express
 *   createServer((req, res) => guard(req, res, () => handler(req, res)))  // node:http
 *   app.use('*', mcpwardGuard().hono)                                  // Hono
 *
 * Same options and behaviour as `mcpward guard`; it wraps the app's response instead of proxying.
 */
export function mcpwardGuard(options: GuardMiddlewareOptions = {}): GuardMiddleware {
  const { detector, log, listenHost, ...policyInput } = options;
  const config = parseWith(guardPolicySchema, policyInput, 'mcpwardGuard options');
  const services = createServices(config, { detector, log });
  const core = new GuardCore(compilePolicy(config, { listenHost: listenHost ?? '127.0.0.1' }), services);
  const get = () => core;
  const node = nodeMiddleware(get);
  const mw = ((req, res, next) => node(req, res, next)) as GuardMiddleware;
  mw.hono = honoMiddleware(get);
  mw.core = core;
  mw.services = services;
  mw.close = () => closeServices(services);
  return mw;
}
