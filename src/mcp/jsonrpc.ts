/** JSON-RPC 2.0 framing as MCP uses it. */

export type JsonRpcId = string | number | null;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id?: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result?: Record<string, unknown>;
  error?: JsonRpcError;
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcResponse;

/** Standard JSON-RPC error codes. */
export const RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
} as const;

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function isJsonRpcResponse(x: unknown): x is JsonRpcResponse {
  return (
    isObject(x) && x['jsonrpc'] === '2.0' && 'id' in x && ('result' in x || 'error' in x) && !('method' in x)
  );
}

export function isJsonRpcRequest(x: unknown): x is JsonRpcRequest {
  return isObject(x) && x['jsonrpc'] === '2.0' && typeof x['method'] === 'string';
}

/** Parses a body that holds one JSON-RPC message or a batch; anything else gives []. */
export function parseJsonRpcMessages(text: string): JsonRpcMessage[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  const items = Array.isArray(value) ? value : [value];
  return items.filter((m): m is JsonRpcMessage => isJsonRpcResponse(m) || isJsonRpcRequest(m));
}

export function request(id: JsonRpcId, method: string, params?: Record<string, unknown>): JsonRpcRequest {
  return params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
}

export function errorResponse(id: JsonRpcId, code: number, message: string): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: { code, message } };
}
