import { STATUS_CODES } from 'node:http';
import type { JsonRpcId } from '../mcp/jsonrpc.js';

/**
 * The guard's own answers: the same status, headers and body shape whatever runs behind it, so the
 * answer to a probe says nothing about the upstream. Header lists are flat `[name, value, ...]`
 * arrays, ready for `res.writeHead`.
 */
export interface Answer {
  status: number;
  headers: string[];
  body: Buffer;
}

/** JSON-RPC codes a client may act on; an upstream's error keeps them. Everything else is by status. */
const MEANINGFUL_CODES: Readonly<Record<number, string>> = {
  [-32700]: 'Parse error',
  [-32600]: 'Invalid Request',
  [-32601]: 'Method not found',
  [-32602]: 'Invalid params',
  [-32603]: 'Internal error',
  [-32020]: 'Header mismatch',
  [-32021]: 'Missing required client capability',
  [-32022]: 'Unsupported protocol version',
};

/** Codes of upstream errors that survive sanitising (-32600/-32603 follow the status instead). */
const KEPT_CODES = new Set([-32601, -32602, -32020, -32021, -32022]);

export function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/** The generic code and message for an error answer with this status (and upstream code, if any). */
export function genericError(status: number, upstreamCode?: number): { code: number; message: string } {
  if (upstreamCode !== undefined && KEPT_CODES.has(upstreamCode))
    return { code: upstreamCode, message: MEANINGFUL_CODES[upstreamCode]! };
  if (status === 400) return { code: -32600, message: statusText(400) };
  if (status >= 500) return { code: -32603, message: statusText(status) };
  return { code: -32000, message: statusText(status) };
}

/** The replacement for an in-band (HTTP 200) JSON-RPC error that disclosed something. */
export function genericRpcError(code: number): { code: number; message: string } {
  if (KEPT_CODES.has(code) || code === -32700 || code === -32600)
    return { code, message: MEANINGFUL_CODES[code]! };
  return { code: -32603, message: MEANINGFUL_CODES[-32603]! };
}

function idJson(id: JsonRpcId | undefined): string {
  if (id === undefined || id === null) return 'null';
  return JSON.stringify(id);
}

const JSON_HEADERS = ['content-type', 'application/json'];

export function jsonAnswer(status: number, body: string, extra: readonly string[] = []): Answer {
  const buf = Buffer.from(body);
  return { status, headers: [...JSON_HEADERS, 'content-length', String(buf.length), ...extra], body: buf };
}

/** `{"jsonrpc":"2.0","id":<id>,"error":{"code":..,"message":..}}` with this status. */
export function errorAnswer(
  status: number,
  id?: JsonRpcId,
  code?: { code: number; message: string },
  extra: readonly string[] = [],
): Answer {
  const e = code ?? genericError(status);
  return jsonAnswer(
    status,
    `{"jsonrpc":"2.0","id":${idJson(id)},"error":{"code":${e.code},"message":${JSON.stringify(e.message)}}}`,
    extra,
  );
}

/** What a locked version endpoint answers. */
export function endpointAnswer(action: 'block' | 'liveness' | 'minimal', id?: JsonRpcId): Answer {
  if (action === 'liveness') return jsonAnswer(200, '{"status":"ok"}');
  if (action === 'minimal') return jsonAnswer(200, '{}');
  return errorAnswer(404, id);
}

/** A 405 with the methods an MCP endpoint takes. */
export function methodNotAllowed(id?: JsonRpcId): Answer {
  return errorAnswer(405, id, undefined, ['allow', 'GET, POST, DELETE']);
}

export function tooManyRequests(retryAfterSeconds: number): Answer {
  return errorAnswer(429, null, undefined, [
    'retry-after',
    String(Math.max(1, Math.ceil(retryAfterSeconds))),
  ]);
}
