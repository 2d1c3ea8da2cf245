/**
 * sdk-legacy-sse: the official TypeScript SDK 1.x legacy HTTP+SSE transport (protocol 2024-11-05) on
 * plain node:http, routed like the SDK's `simpleSseServer` example: `GET /sse` opens the stream and
 * sends `event: endpoint` with `/messages?sessionId=<uuid>`, `POST /messages` answers 202 and the
 * reply travels on the stream. serverInfo is the seed's vulnerable fork.
 */
import { createServer } from 'node:http';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { baseUrl, closeServer, listen } from '../http.js';
import { createLabMcpServer } from '../surface.js';
import type { LabServerDef } from '../types.js';

const NAME = 'vulnerable-sqlite-mcp';
const VERSION = '1.0.0-fork';
const MAX_SESSIONS = 1000;

export const sdkLegacySse: LabServerDef = {
  name: 'sdk-legacy-sse',
  description: 'TypeScript SDK 1.x legacy HTTP+SSE transport on node:http (the seed’s vulnerable fork)',
  transport: 'sse',
  mcpPath: '/sse',
  discloses: [
    { id: 'mcp-serverinfo', product: NAME, version: VERSION, path: '/sse' },
    { id: 'fingerprint-ts-sdk-sse' },
    { id: 'fingerprint-node-http' },
    // The name and the -fork suffix match the vulnerable-fork heuristics (data/forks.yaml).
    { id: 'vulnerable-fork', product: NAME, version: VERSION },
  ],
  products: [
    { product: NAME, version: VERSION },
    { product: '@modelcontextprotocol/sdk' },
    { product: 'node' },
  ],
  async start({ host, port }) {
    const transports = new Map<string, SSEServerTransport>();
    const http = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://lab');
      try {
        if (req.method === 'GET' && url.pathname === '/sse') {
          if (transports.size >= MAX_SESSIONS) {
            res.writeHead(503).end('Too many open sessions');
            return;
          }
          const transport = new SSEServerTransport('/messages', res);
          transports.set(transport.sessionId, transport);
          transport.onclose = () => transports.delete(transport.sessionId);
          await createLabMcpServer({ name: NAME, version: VERSION }).connect(transport);
          return;
        }
        if (req.method === 'POST' && url.pathname === '/messages') {
          const sessionId = url.searchParams.get('sessionId');
          if (!sessionId) {
            res.writeHead(400).end('Missing sessionId parameter');
            return;
          }
          const transport = transports.get(sessionId);
          if (!transport) {
            res.writeHead(404).end('Session not found');
            return;
          }
          await transport.handlePostMessage(req, res);
          return;
        }
        res.writeHead(404).end();
      } catch {
        if (!res.headersSent) res.writeHead(500).end('Error handling request');
      }
    });
    const bound = await listen(http, host, port);
    const url = baseUrl(host, bound);
    return {
      name: sdkLegacySse.name,
      url,
      mcpUrl: `${url}/sse`,
      def: sdkLegacySse,
      async close() {
        await Promise.allSettled([...transports.values()].map((t) => t.close()));
        transports.clear();
        await closeServer(http);
      },
    };
  },
};
