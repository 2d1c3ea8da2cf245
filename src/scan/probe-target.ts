import type { KnowledgeBase } from '../disclosure/load.js';
import { GiveUp, ProbeContext, type ProbeLimits } from './context.js';
import type { HttpClient } from './http.js';
import type { Observation } from './observation.js';
import { probeBaseline } from './probes/baseline.js';
import { probeEndpoints } from './probes/endpoints.js';
import { probeErrors } from './probes/errors.js';
import { probeLegacySse } from './probes/legacy-sse.js';
import { deleteSessions, type McpEndpoint, probeStreamable } from './probes/streamable.js';
import { probeUi } from './probes/ui.js';
import type { ScanTarget } from './targets.js';

export interface ProbeOutcome {
  observations: Observation[];
  endpoint?: McpEndpoint;
  status: 'ok' | 'unreachable' | 'error';
  error?: string;
  requests: number;
}

const UNREACHABLE = /^(connection refused|host not found|connect timeout)/;

/** Extra paths the user asked for (`--paths`) join the version endpoints as plain GETs. */
export interface ProbePlan {
  extraPaths: readonly string[];
}

/**
 * The attack flow of SAFE-T1604 against one target, read-only: baseline, version endpoints, MCP
 * discovery (Streamable HTTP, 2026-07-28 stateless, legacy SSE), error triggering, then cleanup of
 * the sessions the scan opened.
 */
export async function probeTarget(
  http: HttpClient,
  target: ScanTarget,
  kb: KnowledgeBase,
  limits: ProbeLimits,
  clientInfo: { name: string; version: string },
  plan: ProbePlan,
): Promise<ProbeOutcome> {
  const ctx = new ProbeContext(http, target, kb, limits, clientInfo);
  let endpoint: McpEndpoint | undefined;
  try {
    await probeBaseline(ctx);
    const root = ctx.observations[0];
    if (root?.error && UNREACHABLE.test(root.error)) {
      return {
        observations: ctx.observations,
        status: 'unreachable',
        error: root.error,
        requests: ctx.requestCount,
      };
    }
    await probeUi(ctx);
    await probeEndpoints(ctx);
    for (const p of plan.extraPaths) {
      await ctx.send({
        probe: 'endpoint',
        label: `GET ${p}`,
        method: 'GET',
        path: p,
        headers: { accept: 'application/json, */*;q=0.8' },
      });
    }
    const paths = [...new Set([...(target.path ? [target.path] : []), ...kb.mcp.paths])];
    endpoint = await probeStreamable(ctx, paths);
    const sse = await probeLegacySse(
      ctx,
      kb.mcp.ssePaths.filter((p) => p !== endpoint?.path),
    );
    endpoint ??= sse;
    await probeErrors(ctx, endpoint?.transport === 'sse' ? undefined : endpoint);
    await deleteSessions(ctx, endpoint);
  } catch (err) {
    if (!(err instanceof GiveUp)) throw err;
    // Sessions we opened are still cleaned up when the budget, not the server, stopped us.
    if (!ctx.dead) await deleteSessions(ctx, endpoint).catch(() => undefined);
    const out: ProbeOutcome = {
      observations: ctx.observations,
      status: ctx.observations.some((o) => o.status !== undefined) ? 'ok' : 'error',
      error: err.message,
      requests: ctx.requestCount,
    };
    if (endpoint) out.endpoint = endpoint;
    return out;
  }
  const out: ProbeOutcome = { observations: ctx.observations, status: 'ok', requests: ctx.requestCount };
  if (endpoint) out.endpoint = endpoint;
  return out;
}
