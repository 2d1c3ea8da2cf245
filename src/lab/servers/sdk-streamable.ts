/**
 * sdk-streamable: the official TypeScript SDK 1.x, stateful Streamable HTTP, on Express, wired the way
 * the SDK's own `simpleStreamableHttp` example wires it (createMcpExpressApp, one McpServer and
 * transport per session, `Mcp-Session-Id` from randomUUID, DELETE ends the session).
 * Express keeps its defaults: `X-Powered-By: Express`, `express.json()` in front of the transport
 * (so malformed JSON reaches Express's default error handler), and `Cannot GET /x` 404 pages.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Request, Response } from 'express';
import { allowedHostnames, baseUrl, closeServer, listen } from '../http.js';
import { createLabMcpServer } from '../surface.js';
import type { LabServerDef } from '../types.js';

const NAME = 'acme-files-mcp';
const VERSION = '2.3.1';
const MAX_SESSIONS = 1000;

const jsonRpcError = (code: number, message: string) => ({
  jsonrpc: '2.0',
  error: { code, message },
  id: null,
});

export const sdkStreamable: LabServerDef = {
  name: 'sdk-streamable',
  description: 'TypeScript SDK 1.x, stateful Streamable HTTP on Express (defaults, development mode)',
  transport: 'streamable-http',
  mcpPath: '/mcp',
  discloses: [
    { id: 'mcp-serverinfo', product: NAME, version: VERSION },
    // The instructions text says "Acme Files 2.3.1": the version, not the serverInfo name.
    { id: 'mcp-instructions-version', version: VERSION },
    { id: 'header-x-powered-by', product: 'Express' },
    // express.json() rejects the body before the transport sees it; Express prints the stack.
    { id: 'error-express-page', path: '/mcp' },
    { id: 'error-node-stack-trace', path: '/mcp' },
    {
      id: 'mcp-supported-versions',
      path: '/mcp',
      note: 'inside a session: initialize, then POST with Mcp-Session-Id and MCP-Protocol-Version: 1900-01-01',
    },
    { id: 'fingerprint-express' },
    { id: 'fingerprint-ts-sdk-streamable' },
    // randomUUID(), as the SDK's example mints session ids.
    { id: 'fingerprint-ts-sdk-session-id' },
    { id: 'fingerprint-ts-sdk-host-check' },
    { id: 'fingerprint-node-http' },
  ],
  products: [
    { product: NAME, version: VERSION },
    { product: 'express' },
    { product: '@modelcontextprotocol/sdk' },
    { product: 'node' },
  ],
  async start({ host, port }) {
    const app = createMcpExpressApp({ host, allowedHosts: allowedHostnames(host) });
    // Any env but production makes Express print stack traces; `test` also keeps it from logging each one.
    app.set('env', 'test');
    const transports = new Map<string, StreamableHTTPServerTransport>();

    app.post('/mcp', async (req: Request, res: Response) => {
      const sessionId = req.headers['mcp-session-id'];
      const existing = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
      if (existing) {
        await existing.handleRequest(req, res, req.body);
        return;
      }
      if (sessionId !== undefined) {
        res.status(404).json(jsonRpcError(-32001, 'Session not found'));
        return;
      }
      if (!isInitializeRequest(req.body)) {
        res.status(400).json(jsonRpcError(-32000, 'Bad Request: No valid session ID provided'));
        return;
      }
      if (transports.size >= MAX_SESSIONS) {
        res.status(503).json(jsonRpcError(-32000, 'Too many open sessions'));
        return;
      }
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          transports.set(id, transport);
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) transports.delete(transport.sessionId);
      };
      const server = createLabMcpServer({
        name: NAME,
        version: VERSION,
        instructions: `Acme Files ${VERSION}: read-only access to the team drive.`,
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    });

    // GET opens the session's SSE stream, DELETE ends the session.
    const sessionRequest = async (req: Request, res: Response) => {
      const sessionId = req.headers['mcp-session-id'];
      const transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
      if (!transport) {
        res.status(400).send('Invalid or missing session ID');
        return;
      }
      await transport.handleRequest(req, res);
    };
    app.get('/mcp', sessionRequest);
    app.delete('/mcp', sessionRequest);

    const http = createServer(app);
    const bound = await listen(http, host, port);
    const url = baseUrl(host, bound);
    return {
      name: sdkStreamable.name,
      url,
      mcpUrl: `${url}/mcp`,
      def: sdkStreamable,
      async close() {
        await Promise.allSettled([...transports.values()].map((t) => t.close()));
        transports.clear();
        await closeServer(http);
      },
    };
  },
};
