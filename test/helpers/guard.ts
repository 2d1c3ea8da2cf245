import { type Dispatcher, request } from 'undici';
import { type ConfigOverrides, loadGuardConfig } from '../../src/guard/config-file.js';
import type { LiveDetector } from '../../src/guard/detect.js';
import { type RunningGuard, startGuard } from '../../src/guard/server.js';

/** A guard (reverse proxy) on 127.0.0.1:0 in front of `upstream`, admin listener off unless asked. */
export function startGuarded(
  upstream: string,
  overrides: ConfigOverrides = {},
  extra: { detector?: LiveDetector; log?: (line: string) => void } = {},
): Promise<RunningGuard> {
  const config = loadGuardConfig(undefined, { upstream, listen: '127.0.0.1:0', admin: false, ...overrides });
  return startGuard({ config, log: extra.log ?? (() => {}), detector: extra.detector });
}

/**
 * Raw response of one request (status, lower-case headers, body text). undici's request, not fetch:
 * fetch may not set Host, and these tests send wrong ones on purpose.
 */
export async function fetchRaw(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const r = await request(url, {
    method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
    headers: init.headers ?? {},
    body: init.body ?? null,
  });
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return { status: r.statusCode, headers, body: await r.body.text() };
}

export const MCP_POST_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
} as const;

export const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '0' } },
});
