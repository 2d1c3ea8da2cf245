import { isJsonRpcResponse, type JsonRpcId, parseJsonRpcMessages } from '../../mcp/jsonrpc.js';
import type { SseEvent } from '../../mcp/sse-reader.js';
import type { Observation } from '../observation.js';

/** Whether an SSE event carries the JSON-RPC response with this id. */
export function isResponseEvent(id: JsonRpcId) {
  return (e: SseEvent): boolean =>
    parseJsonRpcMessages(e.data).some((m) => isJsonRpcResponse(m) && m.id === id);
}

/**
 * The JSON-RPC response with `id` in an observation: from the JSON body, or from the SSE events read.
 * Error answers without an id (transport errors) are returned too, as they carry the server's wording.
 */
export function rpcResponse(obs: Observation, id: JsonRpcId): Record<string, unknown> | undefined {
  const texts = obs.events ? obs.events.map((e) => e.data) : [obs.body];
  let fallback: Record<string, unknown> | undefined;
  for (const t of texts) {
    for (const m of parseJsonRpcMessages(t)) {
      if (!isJsonRpcResponse(m)) continue;
      if (m.id === id) return m as unknown as Record<string, unknown>;
      fallback ??= m as unknown as Record<string, unknown>;
    }
  }
  return fallback;
}

export function header(obs: Observation, name: string): string | undefined {
  return obs.headers.find(([k]) => k === name)?.[1];
}
