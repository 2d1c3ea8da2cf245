import type { SessionTokens } from './session-tokens.js';
import { isTokenShaped } from './session-tokens.js';

/**
 * Legacy HTTP+SSE (2024-11-05) names its POST endpoint in an `endpoint` event, and the shape of that
 * URL names the SDK (`?sessionId=<uuid>` is TypeScript, `?session_id=<hex>` Python). The guard hands
 * out `<path>?session=<token>` instead, the token sealing the route and the upstream's path and
 * query (session-tokens.ts, the same tokens as Streamable HTTP session ids), and opens it on the way in.
 */
export interface LegacyTarget {
  /** Path and query the upstream announced, relative to its origin. */
  target: string;
  /** Index of the route (upstream) the stream came from; -1 in the middleware. */
  route: number;
}

export const LEGACY_PARAM = 'session';

/** The token of a request target carrying `?session=<token>`, if any. */
export function legacyToken(query: string): string | undefined {
  if (!query.includes(`${LEGACY_PARAM}=`)) return undefined;
  const v = new URLSearchParams(query).get(LEGACY_PARAM);
  return v && isTokenShaped(v) ? v : undefined;
}

/** The announced endpoint a legacy token stands for, or undefined when the token is not ours. */
export function openLegacy(tokens: SessionTokens, token: string): LegacyTarget | undefined {
  const plain = tokens.open('legacy', token);
  const space = plain?.indexOf(' ') ?? -1;
  if (plain === undefined || space === -1) return undefined;
  return { route: Number(plain.slice(0, space)), target: plain.slice(space + 1) };
}

/**
 * The endpoint URL the client sees for an announced one: same path, our token as the only query.
 * `announced` may be relative or absolute; `requestPath` is the path of the SSE request it came on.
 */
export function maskEndpoint(
  announced: string,
  requestPath: string,
  tokens: SessionTokens,
  route: number,
): string | undefined {
  let u: URL;
  try {
    u = new URL(announced.trim(), `http://upstream${requestPath}`);
  } catch {
    return undefined;
  }
  // A URL's path and query are percent-encoded: no spaces, so the first one ends the route.
  const token = tokens.seal('legacy', `${route} ${u.pathname}${u.search}`);
  return token && `${u.pathname}?${LEGACY_PARAM}=${token}`;
}

/** The request target with the query an opened legacy token stands for (the path is the client's). */
export function legacyRequestTarget(path: string, legacy: LegacyTarget): string {
  const q = legacy.target.indexOf('?');
  return q === -1 ? path : `${path}${legacy.target.slice(q)}`;
}
