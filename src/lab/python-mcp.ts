/**
 * The JSON-RPC side of the Python SDK emulation: what a FastMCP app (mcp 1.22.0, `FastMCP("Weather")`
 * with two `@mcp.tool()` functions, one `@mcp.resource()` and one `@mcp.prompt()`) answers, in the key
 * order pydantic's `model_dump_json(by_alias=True, exclude_none=True)` writes. Derived from
 * python-sdk v1.22.0 `src/mcp/server/lowlevel/server.py`, `session.py`, `fastmcp/server.py`, `types.py`.
 */

export const PY_MCP_VERSION = '1.22.0';
export const PY_SERVER_NAME = 'Weather';
// mcp 1.22.0 `shared/version.py` and `types.py` (LATEST_PROTOCOL_VERSION = "2025-06-18").
export const PY_SUPPORTED_VERSIONS = ['2024-11-05', '2025-03-26', '2025-06-18'];
export const PY_LATEST_VERSION = '2025-06-18';
export const PY_DEFAULT_NEGOTIATED_VERSION = '2025-03-26';

type Json = Record<string, unknown>;
type Id = string | number;

export interface JsonRpcIn {
  id?: Id;
  method?: string;
  params?: Json;
  result?: unknown;
  error?: unknown;
}

/** JSONRPCMessage validation: request, notification, response or error (pydantic, extra fields allowed). */
export function asJsonRpcMessage(v: unknown): JsonRpcIn | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const m = v as Json;
  if (m['jsonrpc'] !== '2.0') return undefined;
  const id = m['id'];
  const idOk = typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id));
  const params = m['params'];
  const paramsOk =
    params === undefined || (typeof params === 'object' && params !== null && !Array.isArray(params));
  if (typeof m['method'] === 'string' && paramsOk) return m as JsonRpcIn;
  if (idOk && typeof m['result'] === 'object' && m['result'] !== null) return m as JsonRpcIn;
  const err = m['error'] as Json | undefined;
  if (idOk && err && typeof err['code'] === 'number' && typeof err['message'] === 'string')
    return m as JsonRpcIn;
  return undefined;
}

const pyResult = (id: Id, result: unknown) => ({ jsonrpc: '2.0', id, result });
const pyError = (id: Id, code: number, message: string, data?: unknown) => ({
  jsonrpc: '2.0',
  id,
  error: data === undefined ? { code, message } : { code, message, data },
});

const textTool = (name: string, description: string, arg: string) => ({
  name,
  description,
  inputSchema: {
    properties: { [arg]: { title: arg[0]!.toUpperCase() + arg.slice(1), type: 'string' } },
    required: [arg],
    title: `${name}Arguments`,
    type: 'object',
  },
  outputSchema: {
    properties: { result: { title: 'Result', type: 'string' } },
    required: ['result'],
    title: `${name}Output`,
    type: 'object',
  },
});

const TOOLS = [
  textTool('get_forecast', 'Forecast for a city.', 'city'),
  textTool('echo', 'Returns the text it is given.', 'text'),
];

const text = (s: string) => ({ type: 'text', text: s });

// The request methods of mcp 1.22.0's ClientRequest union.
const KNOWN_METHODS = new Set([
  'ping',
  'initialize',
  'completion/complete',
  'logging/setLevel',
  'prompts/get',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'tools/call',
  'tools/list',
]);

/** One MCP session of the emulated FastMCP server (one per SSE stream or Streamable HTTP session). */
export class PyMcpSession {
  private initialized = false;

  /** Handles one client message; resolves with the response to send, if any. */
  handle(msg: JsonRpcIn): Json | undefined {
    if (msg.method === undefined) return undefined; // a response from the client
    if (msg.id === undefined) {
      if (msg.method === 'notifications/initialized') this.initialized = true;
      return undefined;
    }
    const id = msg.id;
    const params = msg.params ?? {};
    if (msg.method === 'initialize') {
      const requested = params['protocolVersion'];
      const version =
        typeof requested === 'string' && PY_SUPPORTED_VERSIONS.includes(requested)
          ? requested
          : PY_LATEST_VERSION;
      // session.py marks the session initialized as soon as it has answered.
      this.initialized = true;
      return pyResult(id, {
        protocolVersion: version,
        capabilities: {
          experimental: {},
          prompts: { listChanged: false },
          resources: { subscribe: false, listChanged: false },
          tools: { listChanged: false },
        },
        serverInfo: { name: PY_SERVER_NAME, version: PY_MCP_VERSION },
      });
    }
    if (msg.method === 'ping') return pyResult(id, {});
    // Unknown methods fail ClientRequest validation and requests before initialize raise in
    // session.py; shared/session.py answers both the same way.
    if (!KNOWN_METHODS.has(msg.method) || !this.initialized)
      return pyError(id, -32602, 'Invalid request parameters', '');
    switch (msg.method) {
      case 'tools/list':
        return pyResult(id, { tools: TOOLS });
      case 'tools/call': {
        const name = params['name'];
        const args = (params['arguments'] ?? {}) as Json;
        const tool = TOOLS.find((t) => t.name === name);
        if (!tool) return pyResult(id, { content: [text(`Unknown tool: ${String(name)}`)], isError: true });
        const arg = tool.inputSchema.required[0]!;
        const value = args[arg];
        // lowlevel/server.py checks arguments against inputSchema (jsonschema) before calling the tool.
        if (typeof value !== 'string') {
          const why =
            value === undefined
              ? `'${arg}' is a required property`
              : `${JSON.stringify(value)} is not of type 'string'`;
          return pyResult(id, { content: [text(`Input validation error: ${why}`)], isError: true });
        }
        const out = tool.name === 'echo' ? value : `Sunny in ${value}.`;
        return pyResult(id, { content: [text(out)], structuredContent: { result: out }, isError: false });
      }
      case 'resources/list':
        return pyResult(id, {
          resources: [
            {
              name: 'stations',
              uri: 'weather://stations',
              description: 'Weather stations.',
              mimeType: 'text/plain',
            },
          ],
        });
      case 'resources/templates/list':
        return pyResult(id, { resourceTemplates: [] });
      case 'resources/read':
        if (params['uri'] !== 'weather://stations')
          return pyError(id, 0, `Unknown resource: ${String(params['uri'])}`);
        return pyResult(id, {
          contents: [{ uri: 'weather://stations', mimeType: 'text/plain', text: 'OSL, BGO' }],
        });
      case 'prompts/list':
        return pyResult(id, {
          prompts: [
            {
              name: 'summarize',
              description: 'Asks for a summary of a text.',
              arguments: [{ name: 'text', required: true }],
            },
          ],
        });
      case 'prompts/get': {
        const args = (params['arguments'] ?? {}) as Json;
        if (params['name'] !== 'summarize')
          return pyError(id, -32602, `Unknown prompt: ${String(params['name'])}`);
        return pyResult(id, {
          description: 'Asks for a summary of a text.',
          messages: [{ role: 'user', content: text(`Summarize: ${String(args['text'] ?? '')}`) }],
        });
      }
      default:
        return pyError(id, -32601, 'Method not found');
    }
  }
}
