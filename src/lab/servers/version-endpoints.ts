/**
 * version-endpoints: the seed's leaky deployment on plain node:http. Version, health, status and info
 * endpoints answer with the product, version, build, runtime, container image tag and Kubernetes
 * labels; every response carries `Server`, `X-Powered-By`, `X-MCP-Version` and `X-Server-Version`;
 * the MCP endpoint (SDK 1.x, stateless Streamable HTTP) answers malformed JSON with the seed's stack trace.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { baseUrl, closeServer, listen, readBody, send, tryParseJson } from '../http.js';
import { createLabMcpServer } from '../surface.js';
import type { LabServerDef } from '../types.js';

const NAME = 'mcp-sqlite-server';
const VERSION = '1.2.3';
const BUILD = '2024-12-01T10:30:00Z';

const LEAKY_HEADERS = {
  Server: `MCP-Server/${VERSION} (Node.js/18.17.0)`,
  'X-Powered-By': 'Express/4.18.2',
  'X-MCP-Version': '0.9.1',
  'X-Server-Version': VERSION,
};

const STACK = [
  'Error: Cannot process request',
  `    at MCPServer.handle (/app/node_modules/mcp-server/v${VERSION}/lib/handler.js:42)`,
  `    at Server.<anonymous> (/app/node_modules/mcp-server/v${VERSION}/lib/server.js:118)`,
  '    at Server.emit (node:events:517:28)',
  '',
].join('\n');

const cloudInfo = () => ({
  name: NAME,
  version: VERSION,
  node: '18.17.0',
  image: `ghcr.io/acme/${NAME}:${VERSION}`,
  labels: {
    'app.kubernetes.io/name': NAME,
    'app.kubernetes.io/version': VERSION,
    'helm.sh/chart': `${NAME}-0.3.1`,
  },
  region: 'eu-west-1',
});

export const versionEndpoints: LabServerDef = {
  name: 'version-endpoints',
  description: 'node:http with the seed’s version endpoints, version headers and stack trace',
  transport: 'streamable-http',
  mcpPath: '/mcp',
  discloses: [
    { id: 'endpoint-version', path: '/version', product: NAME, version: VERSION },
    { id: 'endpoint-version', path: '/api/version', version: VERSION },
    { id: 'endpoint-version', path: '/health', version: VERSION },
    { id: 'endpoint-version', path: '/status', product: NAME, version: VERSION },
    { id: 'endpoint-version', path: '/info', product: NAME, version: VERSION },
    { id: 'endpoint-version', path: '/api/v1/info', product: NAME, version: VERSION },
    { id: 'header-server', product: 'MCP-Server', version: VERSION },
    { id: 'header-x-powered-by', product: 'Express', version: '4.18.2' },
    { id: 'header-x-mcp-version', product: 'mcp-server', version: '0.9.1' },
    { id: 'header-x-server-version', version: VERSION },
    { id: 'mcp-serverinfo', product: NAME, version: VERSION },
    { id: 'mcp-supported-versions', path: '/mcp' },
    { id: 'error-node-stack-trace', path: '/mcp' },
    { id: 'error-versioned-path', path: '/mcp', product: 'mcp-server', version: VERSION },
    { id: 'fingerprint-ts-sdk-streamable' },
    { id: 'fingerprint-node-http' },
    // mcp-sqlite-server reads as a copy of the archived SQLite reference server (data/forks.yaml).
    { id: 'vulnerable-fork', product: 'mcp-sqlite-server', version: '1.2.3' },
  ],
  products: [
    { product: NAME, version: VERSION },
    { product: 'MCP-Server', version: VERSION },
    { product: 'Node.js', version: '18.17.0' },
    { product: 'Express', version: '4.18.2' },
    // X-MCP-Version and the versioned stack-trace path both name `mcp-server`, with different versions.
    { product: 'mcp-server', version: '0.9.1' },
    { product: 'mcp-server', version: VERSION },
    { product: '@modelcontextprotocol/sdk' },
    { product: 'node' },
  ],
  async start({ host, port }) {
    const startedAt = Date.now();
    const json = (res: ServerResponse, status: number, body: unknown) =>
      send(res, status, { 'Content-Type': 'application/json' }, JSON.stringify(body));

    const endpoints: Record<string, () => unknown> = {
      '/version': () => ({ name: NAME, version: VERSION, build: BUILD }),
      '/api/version': () => ({ version: VERSION, build: BUILD, commit: '9f2c4e1' }),
      '/health': () => ({
        status: 'ok',
        version: VERSION,
        uptime: Math.floor((Date.now() - startedAt) / 1000),
      }),
      '/status': () => ({
        status: 'running',
        server: NAME,
        version: VERSION,
        mcp: { protocolVersion: '2024-11-05', version: '0.9.1' },
      }),
      '/info': cloudInfo,
      '/api/v1/info': cloudInfo,
    };

    const handleMcp = async (req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'POST') {
        json(res, 405, { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
        return;
      }
      const body = await readBody(req);
      const parsed = body === undefined ? undefined : tryParseJson(body.toString('utf8'));
      if (!parsed?.ok) {
        send(res, 500, { 'Content-Type': 'text/plain' }, STACK);
        return;
      }
      // Stateless: a fresh server and transport per request.
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      const server = createLabMcpServer({ name: NAME, version: VERSION });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, parsed.value);
    };

    const http = createServer(async (req, res) => {
      // On every answer, errors and MCP responses included.
      for (const [k, v] of Object.entries(LEAKY_HEADERS)) res.setHeader(k, v);
      const path = new URL(req.url ?? '/', 'http://lab').pathname;
      try {
        const endpoint = endpoints[path];
        if (endpoint && (req.method === 'GET' || req.method === 'HEAD')) json(res, 200, endpoint());
        else if (path === '/mcp') await handleMcp(req, res);
        else json(res, 404, { error: 'Not Found' });
      } catch {
        if (!res.headersSent) send(res, 500, { 'Content-Type': 'text/plain' }, STACK);
      }
    });
    const bound = await listen(http, host, port);
    const url = baseUrl(host, bound);
    return {
      name: versionEndpoints.name,
      url,
      mcpUrl: `${url}/mcp`,
      def: versionEndpoints,
      close: () => closeServer(http),
    };
  },
};
