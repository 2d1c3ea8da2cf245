import { randomBytes } from 'node:crypto';

/**
 * Legacy HTTP+SSE (2024-11-05) names its POST endpoint in an `endpoint` event, and the shape of that
 * URL names the SDK (`?sessionId=<uuid>` is TypeScript, `?session_id=<hex>` Python). The guard hands
 * out `<path>?session=<random token>` instead and maps it back on the way in. An entry lives as long
 * as the stream that announced it, so the table is bounded by the open streams.
 */
export interface LegacyTarget {
  /** Path and query the upstream announced, relative to its origin. */
  target: string;
  /** Index of the route (upstream) the stream came from. */
  route: number;
}

export const LEGACY_PARAM = 'session';

export class LegacySessions {
  private readonly map = new Map<string, LegacyTarget>();

  /** A token for an announced endpoint; `release` it when the stream ends. */
  add(target: LegacyTarget): string {
    const token = randomBytes(16).toString('base64url');
    this.map.set(token, target);
    return token;
  }

  release(token: string): void {
    this.map.delete(token);
  }

  get(token: string): LegacyTarget | undefined {
    return this.map.get(token);
  }

  get size(): number {
    return this.map.size;
  }
}

/** The token of a request target carrying `?session=<token>`, if any. */
export function legacyToken(query: string): string | undefined {
  if (!query.includes(`${LEGACY_PARAM}=`)) return undefined;
  const v = new URLSearchParams(query).get(LEGACY_PARAM);
  return v && /^[A-Za-z0-9_-]{22}$/.test(v) ? v : undefined;
}

/**
 * The endpoint URL the client sees for an announced one: same path, our token as the only query.
 * `announced` may be relative or absolute; `requestPath` is the path of the SSE request it came on.
 */
export function maskEndpoint(
  announced: string,
  requestPath: string,
  sessions: LegacySessions,
  route: number,
): { url: string; token: string } | undefined {
  let u: URL;
  try {
    u = new URL(announced.trim(), `http://upstream${requestPath}`);
  } catch {
    return undefined;
  }
  const target = u.pathname + u.search;
  const token = sessions.add({ target, route });
  return { url: `${u.pathname}?${LEGACY_PARAM}=${token}`, token };
}
