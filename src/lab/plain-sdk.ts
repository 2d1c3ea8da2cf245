import { createServer } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { baseUrl, closeServer, listen } from './http.js';
import { createLabMcpServer, type LabIdentity } from './surface.js';

export interface PlainSdkServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The smallest real SDK 1.x deployment: stateless Streamable HTTP at `/mcp` on node:http, no
 * framework, empty 404s elsewhere. Used as the upstream behind the lab's reverse proxies.
 */
export async function startPlainSdkServer(
  identity: LabIdentity,
  opts: { host: string; port: number },
): Promise<PlainSdkServer> {
  const http = createServer(async (req, res) => {
    if (new URL(req.url ?? '/', 'http://lab').pathname !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { 'Content-Type': 'application/json', Allow: 'POST' }).end(
        JSON.stringify({
          jsonrpc: '2.0',
          error: { code: -32000, message: 'Method not allowed.' },
          id: null,
        }),
      );
      return;
    }
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    const server = createLabMcpServer(identity);
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res);
    } catch {
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  const bound = await listen(http, opts.host, opts.port);
  return { url: baseUrl(opts.host, bound), close: () => closeServer(http) };
}
