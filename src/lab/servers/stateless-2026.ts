/**
 * stateless-2026: the official TypeScript SDK v2 (`@modelcontextprotocol/server` 2.x) serving the
 * 2026-07-28 revision only: `createMcpHandler(factory, { legacy: 'reject' })` mounted on node:http with
 * `toNodeHandler`, behind the SDK's node Host and Origin checks (as its serving docs advise). No `initialize`, no sessions: `server/discover`
 * names the server, every result carries `_meta["io.modelcontextprotocol/serverInfo"]`, and 2025-era
 * requests are refused with an error listing the supported revisions.
 */
import { createServer } from 'node:http';
import { hostHeaderValidation, originValidation, toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { allowedHostnames, baseUrl, closeServer, listen } from '../http.js';
import type { LabServerDef } from '../types.js';

const NAME = 'weather-mcp';
const VERSION = '0.4.2';

/** One fresh server per request, as the v2 stateless entry expects. */
function weatherServer(): McpServer {
  const server = new McpServer(
    { name: NAME, version: VERSION },
    { instructions: 'Forecasts and current conditions.' },
  );
  server.registerTool(
    'get_forecast',
    { description: 'Forecast for a city.', inputSchema: z.object({ city: z.string().max(200) }) },
    async ({ city }) => ({ content: [{ type: 'text', text: `Sunny in ${city}.` }] }),
  );
  server.registerTool(
    'echo',
    { description: 'Returns the text it is given.', inputSchema: z.object({ text: z.string().max(10_000) }) },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  server.registerResource(
    'readme',
    'lab://readme',
    { description: 'What this server is for.', mimeType: 'text/plain' },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'A loopback lab server.' }],
    }),
  );
  server.registerPrompt(
    'summarize',
    { description: 'Asks for a summary of a text.', argsSchema: z.object({ text: z.string().max(10_000) }) },
    ({ text }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Summarize: ${text}` } }] }),
  );
  return server;
}

export const stateless2026: LabServerDef = {
  name: 'stateless-2026',
  description: 'TypeScript SDK v2, stateless 2026-07-28 only (server/discover, _meta serverInfo)',
  transport: 'stateless',
  mcpPath: '/mcp',
  discloses: [
    { id: 'mcp-discover-serverinfo', product: NAME, version: VERSION },
    { id: 'mcp-meta-serverinfo', product: NAME, version: VERSION },
    // `initialize` (or any 2025-era request) is refused with -32022 and data.supported.
    { id: 'mcp-supported-versions', path: '/mcp' },
    { id: 'fingerprint-ts-sdk-host-check' },
    { id: 'fingerprint-node-http' },
  ],
  products: [
    { product: NAME, version: VERSION },
    { product: '@modelcontextprotocol/sdk' },
    { product: 'node' },
  ],
  async start({ host, port }) {
    const handler = createMcpHandler(weatherServer, { legacy: 'reject' });
    const serve = toNodeHandler(handler);
    const checkHost = hostHeaderValidation(allowedHostnames(host));
    const checkOrigin = originValidation(allowedHostnames(host));
    const http = createServer((req, res) => {
      if (!checkHost(req, res) || !checkOrigin(req, res)) return;
      if (new URL(req.url ?? '/', 'http://lab').pathname !== '/mcp') {
        res.writeHead(404).end();
        return;
      }
      void serve(req, res);
    });
    const bound = await listen(http, host, port);
    const url = baseUrl(host, bound);
    return {
      name: stateless2026.name,
      url,
      mcpUrl: `${url}/mcp`,
      def: stateless2026,
      async close() {
        await handler.close();
        await closeServer(http);
      },
    };
  },
};
