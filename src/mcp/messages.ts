import { type JsonRpcId, type JsonRpcRequest, request } from './jsonrpc.js';
import { LATEST_STATEFUL_REVISION, STATELESS_REVISION } from './revisions.js';

export interface Implementation {
  name: string;
  version: string;
}

/** `initialize` as a 2025-era client sends it. */
export function initializeRequest(
  id: JsonRpcId,
  clientInfo: Implementation,
  protocolVersion: string = LATEST_STATEFUL_REVISION,
): JsonRpcRequest {
  return request(id, 'initialize', { protocolVersion, capabilities: {}, clientInfo });
}

/** The `_meta` every 2026-07-28 request carries. */
export function statelessMeta(clientInfo: Implementation, protocolVersion: string = STATELESS_REVISION) {
  return {
    'io.modelcontextprotocol/protocolVersion': protocolVersion,
    'io.modelcontextprotocol/clientInfo': clientInfo,
    'io.modelcontextprotocol/clientCapabilities': {},
  };
}

/** `server/discover` (2026-07-28): the only way a stateless server states what it is. */
export function discoverRequest(
  id: JsonRpcId,
  clientInfo: Implementation,
  protocolVersion: string = STATELESS_REVISION,
) {
  return request(id, 'server/discover', { _meta: statelessMeta(clientInfo, protocolVersion) });
}

/** HTTP headers a 2026-07-28 POST must carry. */
export function statelessHeaders(
  method: string,
  protocolVersion: string = STATELESS_REVISION,
): Record<string, string> {
  return { 'mcp-protocol-version': protocolVersion, 'mcp-method': method };
}

/** What a Streamable HTTP client sends with every POST. */
export const POST_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};
