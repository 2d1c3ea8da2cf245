import type { SseEvent } from '../mcp/sse-reader.js';

/** One request scan sent and what came back. Probes produce these; analysis reads only these. */
export interface Observation {
  /** Probe id (see data/signatures/fingerprints.yaml for the list). */
  probe: string;
  method: string;
  /** Path and query as sent. */
  path: string;
  /** A short description of the request for evidence, e.g. `POST /mcp initialize`. */
  label: string;
  status?: number;
  /** Response headers, names lowercased, in arrival order. */
  headers: [string, string][];
  /** Body text, capped at the scan's body limit. For SSE responses, the raw stream read. */
  body: string;
  truncated: boolean;
  contentType?: string;
  /** SSE events read from the response, if it was an event stream. */
  events?: SseEvent[];
  /** For `sse-open`: the data of the `endpoint` event. */
  endpoint?: string;
  /** The JSON-RPC message the probe was after, if one arrived. */
  rpc?: Record<string, unknown>;
  /** Transport error (timeout, reset, not HTTP); no status then. */
  error?: string;
  durationMs: number;
}
