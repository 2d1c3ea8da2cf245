/**
 * hardened (negative control): an SDK 1.x server (stateless Streamable HTTP on node:http) deployed the
 * way SAFE-T1604's mitigations ask. serverInfo is generic (`mcp-server`/`1.0.0`), no framework or
 * version headers (Node's `Keep-Alive: timeout=5` included), no version endpoints, and every request
 * the SDK would reject with its own wording (wrong Host or Origin, Accept, Content-Type, protocol
 * version, malformed JSON, unknown path or method) gets the same small generic JSON error first.
 * scan must find nothing here.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { JSONRPCMessageSchema, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import {
  allowedHostnames,
  baseUrl,
  closeServer,
  dropNodeConnectionHeaders,
  listen,
  readBody,
  send,
} from '../http.js';
import { createLabMcpServer } from '../surface.js';
import type { LabServerDef } from '../types.js';

const MESSAGES: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
};

function generic(res: ServerResponse, status: number, extra: Record<string, string> = {}): void {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    error: { code: -32600, message: MESSAGES[status] },
    id: null,
  });
  send(res, status, { 'content-type': 'application/json', ...extra }, body);
}

function hostnameOf(value: string): string | undefined {
  try {
    return new URL(value.includes('://') ? value : `http://${value}`).hostname;
  } catch {
    return undefined;
  }
}

export const hardened: LabServerDef = {
  name: 'hardened',
  description: 'Negative control: SDK server with generic serverInfo and uniform generic errors',
  transport: 'streamable-http',
  mcpPath: '/mcp',
  discloses: [],
  products: [],
  async start({ host, port }) {
    const allowed = new Set(allowedHostnames(host));
    const rejected = (req: IncomingMessage): number | undefined => {
      const h = req.headers.host === undefined ? undefined : hostnameOf(req.headers.host);
      if (!h || !allowed.has(h)) return 403;
      const origin = req.headers.origin;
      if (origin !== undefined && !allowed.has(hostnameOf(origin) ?? '')) return 403;
      if (new URL(req.url ?? '/', 'http://lab').pathname !== '/mcp') return 404;
      if (req.method !== 'POST') return 405;
      const accept = String(req.headers.accept ?? '');
      if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return 400;
      if (!/^application\/json\s*(;|$)/i.test(String(req.headers['content-type'] ?? ''))) return 400;
      const version = req.headers['mcp-protocol-version'];
      if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(String(version))) return 400;
      return undefined;
    };

    const http = createServer(async (req, res) => {
      dropNodeConnectionHeaders(res);
      try {
        const status = rejected(req);
        if (status) {
          generic(res, status, status === 405 ? { allow: 'POST' } : {});
          return;
        }
        const body = await readBody(req);
        let message: unknown;
        try {
          message = JSON.parse(body?.toString('utf8') ?? '');
        } catch {
          generic(res, 400);
          return;
        }
        const one = Array.isArray(message) ? message : [message];
        if (
          one.length === 0 ||
          one.length > 100 ||
          !one.every((m) => JSONRPCMessageSchema.safeParse(m).success)
        ) {
          generic(res, 400);
          return;
        }
        const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
        const server = createLabMcpServer({ name: 'mcp-server', version: '1.0.0' });
        res.on('close', () => {
          void transport.close();
          void server.close();
        });
        await server.connect(transport);
        await transport.handleRequest(req, res, message);
      } catch {
        if (!res.headersSent) generic(res, 400);
      }
    });
    const bound = await listen(http, host, port);
    const url = baseUrl(host, bound);
    return { name: hardened.name, url, mcpUrl: `${url}/mcp`, def: hardened, close: () => closeServer(http) };
  },
};
