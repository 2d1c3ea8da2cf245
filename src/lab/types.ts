/**
 * A lab server: a real, deliberately leaky (or deliberately hardened) MCP server that runs on loopback.
 * Each one declares exactly what `mcpward scan` must find on it, so tests assert against the declaration
 * and adding a server adds coverage without new assertions.
 */

/** One finding scan must report. `id` is a knowledge-base signature id or a scan finding id. */
export interface ExpectedFinding {
  id: string;
  product?: string;
  version?: string;
  /** When only a range of releases can be inferred (e.g. from a protocol revision list). */
  versionRange?: { first: string; last: string; ecosystem: string };
  /** The request path whose answer carries the disclosure, when it matters (e.g. `/version`). */
  path?: string;
  /** How a client gets to see it, when that takes more than one plain request (for human readers). */
  note?: string;
}

/** A product scan must identify (from a printed version or from behaviour). */
export interface ExpectedProduct {
  product: string;
  version?: string;
  versionRange?: { first: string; last: string; ecosystem: string };
}

export interface LabServerDef {
  name: string;
  description: string;
  /** How an MCP client reaches it; `none` for servers that speak no MCP (e.g. the SPA control). */
  transport: 'streamable-http' | 'sse' | 'stateless' | 'none';
  /** Path of the MCP endpoint (Streamable HTTP / stateless) or of the SSE stream (legacy). */
  mcpPath?: string;
  /** Exactly what scan must report, nothing more. Empty for the negative controls. */
  discloses: ExpectedFinding[];
  /** Products scan must identify. */
  products: ExpectedProduct[];
  start(opts: { host: string; port: number }): Promise<RunningLabServer>;
  /** False when the server needs something only a development checkout has (default: available). */
  available?: () => boolean;
}

export interface RunningLabServer {
  name: string;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Full URL of the MCP endpoint or SSE stream, when the server speaks MCP. */
  mcpUrl?: string;
  def: LabServerDef;
  close(): Promise<void>;
}

export interface Lab {
  servers: RunningLabServer[];
  close(): Promise<void>;
}
