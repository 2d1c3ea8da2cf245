import { Pool } from 'undici';
import type { GuardConfig } from './options.js';
import { stripPort } from './policy.js';

/** Where requests go: a path prefix and/or Host, and the upstream with its connection pool. */
export interface Route {
  path: string;
  host: string | undefined;
  origin: string;
  /** Host header sent upstream. */
  hostHeader: string;
  connections: number | undefined;
  pool: Pool;
}

function poolKey(origin: string, connections: number | undefined): string {
  return `${origin} ${connections ?? 'unlimited'}`;
}

/**
 * The routing table. Built again on reload; pools whose upstream and size did not change are kept,
 * so keep-alive connections and requests in flight survive a reload.
 */
export class Upstreams {
  constructor(readonly routes: Route[]) {}

  static build(config: GuardConfig, previous?: Upstreams): Upstreams {
    const reuse = new Map<string, Pool>();
    for (const r of previous?.routes ?? []) reuse.set(poolKey(r.origin, r.connections), r.pool);
    const specs = [...config.routes];
    if (config.upstream) specs.push({ path: '/', upstream: config.upstream });
    const routes: Route[] = specs.map((s) => {
      const u = new URL(s.upstream);
      const key = poolKey(u.origin, s.connections);
      let pool = reuse.get(key);
      if (!pool) {
        pool = new Pool(u.origin, {
          connections: s.connections ?? null,
          pipelining: 1,
          keepAliveTimeout: 30_000,
          // SSE streams are long and idle: the body never times out here; client disconnects end them.
          bodyTimeout: 0,
        });
        reuse.set(key, pool);
      }
      return {
        path: s.path,
        host: s.host ? stripPort(s.host) : undefined,
        origin: u.origin,
        hostHeader: u.host,
        connections: s.connections,
        pool,
      };
    });
    // Most specific first: a Host match before any-host, then the longest prefix.
    routes.sort(
      (a, b) => Number(b.host !== undefined) - Number(a.host !== undefined) || b.path.length - a.path.length,
    );
    return new Upstreams(routes);
  }

  /** Index of the route for a request, or -1. */
  match(host: string | undefined, path: string): number {
    const h = host ? stripPort(host) : undefined;
    for (let i = 0; i < this.routes.length; i++) {
      const r = this.routes[i]!;
      if (r.host !== undefined && r.host !== h) continue;
      if (r.path === '/' || path === r.path || path.startsWith(r.path.endsWith('/') ? r.path : `${r.path}/`))
        return i;
    }
    return -1;
  }

  /** Closes the pools not used by `next` (after their requests finish). */
  async retire(next: Upstreams | undefined): Promise<void> {
    const keep = new Set(next?.routes.map((r) => r.pool));
    const done = new Set<Pool>();
    await Promise.all(
      this.routes.map(async (r) => {
        if (keep.has(r.pool) || done.has(r.pool)) return;
        done.add(r.pool);
        await r.pool.close();
      }),
    );
  }

  /** Ends every pool now (shutdown after the grace period). */
  async destroy(): Promise<void> {
    const pools = new Set(this.routes.map((r) => r.pool));
    await Promise.all([...pools].map((p) => p.destroy()));
  }
}
