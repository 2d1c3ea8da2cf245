import { request } from '../../mcp/jsonrpc.js';
import {
  discoverRequest,
  initializeRequest,
  POST_HEADERS,
  statelessHeaders,
  statelessMeta,
} from '../../mcp/messages.js';
import type { ProbeContext } from '../context.js';
import type { Observation } from '../observation.js';
import { header, isResponseEvent, rpcResponse } from './rpc.js';

export interface McpEndpoint {
  path: string;
  transport: 'streamable-http' | 'stateless' | 'sse';
  /** Session minted by our initialize, to be deleted at the end. */
  sessionId?: string;
  protocolVersion?: string;
  /** Legacy SSE: the POST endpoint named by the `endpoint` event. */
  messagesPath?: string;
}

function result(obs: Observation): Record<string, unknown> | undefined {
  const r = obs.rpc?.['result'];
  return r && typeof r === 'object' ? (r as Record<string, unknown>) : undefined;
}

/** Sends `server/discover` (2026-07-28) and records the answer. */
async function discover(ctx: ProbeContext, path: string): Promise<Observation> {
  const id = 'mcpward-discover';
  const obs = await ctx.send(
    {
      probe: 'mcp-discover',
      label: `POST ${path} server/discover`,
      method: 'POST',
      path,
      headers: { ...POST_HEADERS, ...statelessHeaders('server/discover') },
      body: JSON.stringify(discoverRequest(id, ctx.clientInfo)),
    },
    isResponseEvent(id),
  );
  const rpc = rpcResponse(obs, id);
  if (rpc) obs.rpc = rpc;
  return obs;
}

/** `tools/list` (read-only; scan never calls a tool), as a 2026-07-28 client sends it. */
async function listTools(ctx: ProbeContext, path: string): Promise<void> {
  const id = 'mcpward-list';
  const obs = await ctx.send(
    {
      probe: 'mcp-list',
      label: `POST ${path} tools/list`,
      method: 'POST',
      path,
      headers: { ...POST_HEADERS, ...statelessHeaders('tools/list') },
      body: JSON.stringify(request(id, 'tools/list', { _meta: statelessMeta(ctx.clientInfo) })),
    },
    isResponseEvent(id),
  );
  const rpc = rpcResponse(obs, id);
  if (rpc) obs.rpc = rpc;
}

/**
 * Looks for a Streamable HTTP (or 2026-07-28 stateless) endpoint on the candidate paths: `initialize`
 * first, then `server/discover` on the first path that answers JSON-RPC at all. Stops at the first
 * endpoint found.
 */
export async function probeStreamable(
  ctx: ProbeContext,
  paths: readonly string[],
): Promise<McpEndpoint | undefined> {
  for (const path of paths) {
    const id = 'mcpward-init';
    const obs = await ctx.send(
      {
        probe: 'mcp-post',
        label: `POST ${path} initialize`,
        method: 'POST',
        path,
        headers: { ...POST_HEADERS },
        body: JSON.stringify(initializeRequest(id, ctx.clientInfo)),
      },
      isResponseEvent(id),
    );
    const rpc = rpcResponse(obs, id);
    if (!rpc) continue;
    obs.rpc = rpc;
    const init = result(obs);
    const found: McpEndpoint = { path, transport: 'streamable-http' };
    if (init) {
      const sid = header(obs, 'mcp-session-id');
      if (sid) found.sessionId = sid;
      if (typeof init['protocolVersion'] === 'string') found.protocolVersion = init['protocolVersion'];
    }
    // Dual-era servers answer both; a stateless-only one answers only discover.
    const d = await discover(ctx, path);
    const dr = result(d);
    if (dr && Array.isArray(dr['supportedVersions'])) {
      // A result that is not discover's shows whether every result carries serverInfo in _meta.
      await listTools(ctx, path);
      if (!init) {
        found.transport = 'stateless';
        const versions = (dr['supportedVersions'] as unknown[]).filter(
          (v): v is string => typeof v === 'string',
        );
        const newest = versions.sort().at(-1);
        if (newest) found.protocolVersion = newest;
      }
    }
    // A JSON-RPC error to both still marks the MCP endpoint: its error answers are worth probing.
    return found;
  }
  return undefined;
}

/** Ends the sessions the scan caused: ours, and any a server minted for session-less probes. */
export async function deleteSessions(ctx: ProbeContext, endpoint: McpEndpoint | undefined): Promise<void> {
  if (!endpoint || endpoint.transport === 'sse') return;
  ctx.cleaning = true;
  const ids = new Set<string>();
  if (endpoint.sessionId) ids.add(endpoint.sessionId);
  for (const o of ctx.observations) {
    const sid = header(o, 'mcp-session-id');
    if (sid && o.path.split('?')[0] === endpoint.path) ids.add(sid);
  }
  for (const sid of [...ids].slice(0, 8)) {
    await ctx.send({
      probe: 'mcp-delete',
      label: `DELETE ${endpoint.path}`,
      method: 'DELETE',
      path: endpoint.path,
      headers: {
        'mcp-session-id': sid,
        ...(endpoint.protocolVersion ? { 'mcp-protocol-version': endpoint.protocolVersion } : {}),
      },
    });
  }
}
