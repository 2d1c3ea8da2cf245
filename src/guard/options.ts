import { z } from 'zod';
import { durationMs } from '../util/duration.js';

/** `10s`, `500ms`, `5m` or a number of milliseconds. */
const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = durationMs(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a duration: ${String(v)} (use 500ms, 10s, 5m)` });
    return z.NEVER;
  }
  return ms;
});

/** `host:port`, `[::1]:port` or a bare port. */
const listenAddress = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const parsed = parseListen(String(v));
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: `not a listen address: ${String(v)} (use 127.0.0.1:8080)` });
    return z.NEVER;
  }
  return parsed;
});

export interface ListenAddress {
  host: string;
  port: number;
}

export function parseListen(v: string): ListenAddress | undefined {
  const s = v.trim();
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s) ?? /^()()(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

const httpUrl = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
    } catch {
      return false;
    }
  },
  { message: 'must be an http:// or https:// URL without credentials' },
);

const cidr = z.string().refine((s) => /^[0-9a-fA-F:.]+(?:\/\d{1,3})?$/.test(s.trim()), {
  message: 'must be an IP address or CIDR range (10.0.0.0/8, ::1/128)',
});

const rate = z.object({
  /** Requests per second a source may make on average. */
  rps: z.number().positive(),
  /** Requests a source may make at once. */
  burst: z.number().int().positive().optional(),
});

/** What the guard does; shared by the reverse proxy and the middleware. */
export const guardPolicySchema = z
  .object({
    /** Extra signature files or directories (same format as data/signatures). */
    signatures: z.array(z.string()).default([]),
    serverInfo: z
      .object({
        name: z.string().min(1).default('mcp-server'),
        version: z.string().default('1.0.0'),
        /** Drop `instructions` (and the other result fields of mcp.yaml): when they carry a version, always, or never. */
        instructions: z.enum(['versions', 'always', 'never']).default('versions'),
      })
      .strict()
      .default({ name: 'mcp-server', version: '1.0.0', instructions: 'versions' }),
    headers: z
      .object({
        /** Response headers kept in addition to the knowledge base's allowlist. */
        allow: z.array(z.string().toLowerCase()).default([]),
        /** Response headers removed even though the allowlist has them. */
        deny: z.array(z.string().toLowerCase()).default([]),
      })
      .strict()
      .default({ allow: [], deny: [] }),
    errors: z
      .object({
        /** Replace error bodies (4xx/5xx, disclosing JSON-RPC errors) with generic JSON-RPC errors. */
        sanitize: z.boolean().default(true),
        /** Answer malformed JSON, wrong media types, unknown MCP-Protocol-Version and odd methods here. */
        uniform: z.boolean().default(true),
      })
      .strict()
      .default({ sanitize: true, uniform: true }),
    /** Web UIs of ui.yaml (inspectors, dashboards) found in a page or script: answered 404 (`block`) or left. */
    uis: z.enum(['block', 'pass']).default('block'),
    endpoints: z
      .object({
        /** Lock the version endpoints of endpoints.yaml (block, liveness, minimal). */
        lock: z.boolean().default(true),
      })
      .strict()
      .default({ lock: true }),
    /** Host names the guard answers to (port ignored). Default: the loopback names when listening on loopback, else any. */
    hosts: z.array(z.string().min(1).toLowerCase()).optional(),
    /** Allowed Origin values (`https://app.example.com`). Default: origins whose host name is an allowed host. */
    origins: z.array(z.string().min(1).toLowerCase()).optional(),
    clients: z
      .object({
        /** Client addresses allowed (CIDR); empty: every address. */
        allow: z.array(cidr).default([]),
        /** Bearer tokens allowed; `env:NAME` reads an environment variable. Empty: no token needed. */
        tokens: z.array(z.string().min(1)).default([]),
        /** Header the token comes in (default Authorization: Bearer ...). */
        tokenHeader: z.string().toLowerCase().default('authorization'),
        /** Pass the token on to the upstream (default: removed once checked). */
        forwardToken: z.boolean().default(false),
        /** Status for refused clients: 403 or 404 (as if nothing were there). */
        denyStatus: z.union([z.literal(403), z.literal(404)]).default(403),
      })
      .strict()
      .default({ allow: [], tokens: [], tokenHeader: 'authorization', forwardToken: false, denyStatus: 403 }),
    /** Peers whose X-Forwarded-For is believed (CIDR); the client address is then the last untrusted hop. */
    trustProxy: z.array(cidr).default([]),
    /** Per-source request rate for everyone (off when absent). */
    rateLimit: rate.strict().optional(),
    limits: z
      .object({
        maxBodyBytes: z
          .number()
          .int()
          .positive()
          .default(4 * 1024 * 1024),
        /** Largest SSE event or JSON body held for rewriting; larger ones pass as they are. */
        maxRewriteBytes: z
          .number()
          .int()
          .positive()
          .default(8 * 1024 * 1024),
      })
      .strict()
      .default({ maxBodyBytes: 4 * 1024 * 1024, maxRewriteBytes: 8 * 1024 * 1024 }),
    audit: z
      .object({
        /** File to append to (`-` for stdout). */
        path: z.string().min(1),
        format: z.enum(['json', 'combined']).default('json'),
      })
      .strict()
      .optional(),
    detect: z
      .object({
        /** Sigma rule files or directories; default: the built-in rule pack. */
        rules: z.array(z.string()).optional(),
        actions: z.array(z.enum(['log', 'alert', 'block', 'ratelimit'])).default(['log']),
        /** URL the `alert` action POSTs JSON to. */
        webhook: httpUrl.optional(),
        blockFor: duration.default(600_000),
        /** Rate applied to a source by the `ratelimit` action. */
        rateLimit: rate.strict().default({ rps: 1, burst: 5 }),
        limitFor: duration.default(600_000),
      })
      .strict()
      .optional(),
    /** File where blocked sources are kept across restarts. */
    blocklist: z.string().min(1).optional(),
  })
  .strict();

const routeSchema = z
  .object({
    /** Path prefix this route serves (default `/`). */
    path: z.string().startsWith('/').default('/'),
    /** Host name this route serves (default: every Host). */
    host: z.string().toLowerCase().optional(),
    upstream: httpUrl,
    /**
     * Most connections to this upstream (default: no limit). Every open SSE stream holds one, so a
     * limit also caps the streams this upstream can have through the guard.
     */
    connections: z.number().int().positive().optional(),
  })
  .strict();
export type RouteConfig = z.infer<typeof routeSchema>;

/** guard.yaml: the policy plus what only the reverse proxy needs. */
export const guardConfigSchema = guardPolicySchema
  .extend({
    listen: listenAddress.optional(),
    /** One upstream for everything (same as a single route for `/`). */
    upstream: httpUrl.optional(),
    routes: z.array(routeSchema).default([]),
    admin: z.union([z.literal(false), listenAddress]).optional(),
    /** How long SSE streams and requests may run on after SIGTERM before they are closed. */
    shutdownGrace: duration.default(10_000),
    timeouts: z
      .object({
        /** Time a client has to send the request headers (slowloris). */
        headers: duration.default(10_000),
        /** Time a client has to send the whole request. */
        request: duration.default(30_000),
        /** Time the upstream has to answer with headers. */
        upstream: duration.default(30_000),
        /** Idle keep-alive connections are closed after this. */
        keepAlive: duration.default(65_000),
      })
      .strict()
      .default({ headers: 10_000, request: 30_000, upstream: 30_000, keepAlive: 65_000 }),
  })
  .strict();

export type GuardPolicyInput = z.input<typeof guardPolicySchema>;
export type GuardPolicyConfig = z.infer<typeof guardPolicySchema>;
export type GuardConfigInput = z.input<typeof guardConfigSchema>;
export type GuardConfig = z.infer<typeof guardConfigSchema>;
