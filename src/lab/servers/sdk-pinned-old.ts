/**
 * sdk-pinned-old: a server pinned to an old official SDK release, 1.23.0 (the real package, installed
 * as the development dependency `mcp-sdk-1-23`), stateful Streamable HTTP on node:http. Nothing prints
 * the SDK version, but its answer to an unsupported MCP-Protocol-Version lists the revisions 1.13.0
 * to 1.24.0 support, and every release in that range is affected by GHSA-8r9q-7v3j-jr4g (fixed in
 * 1.25.2) and GHSA-345p-7cg4-v4c7 (1.10.0 to 1.26.0). The old SDK is a development dependency so that
 * mcpward itself never ships it: outside a development checkout this server is unavailable.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { UserError } from '../../util/errors.js';
import { baseUrl, closeServer, listen } from '../http.js';
import type { LabServerDef } from '../types.js';

const NAME = 'billing-mcp';
const VERSION = '1.4.0';
const OLD_SDK = 'mcp-sdk-1-23';
const MAX_SESSIONS = 1000;

interface OldTransport {
  sessionId?: string;
  handleRequest(req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void>;
  close(): Promise<void>;
  onclose?: () => void;
}
interface OldSdk {
  McpServer: new (info: {
    name: string;
    version: string;
  }) => {
    registerTool(
      name: string,
      config: { description: string; inputSchema: Record<string, unknown> },
      cb: (args: { text: string }) => unknown,
    ): void;
    connect(t: OldTransport): Promise<void>;
  };
  StreamableHTTPServerTransport: new (opts: {
    sessionIdGenerator: () => string;
    onsessioninitialized?: (id: string) => void;
  }) => OldTransport;
}

function oldSdkAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve(`${OLD_SDK}/package.json`);
    return true;
  } catch {
    return false;
  }
}

async function loadOldSdk(): Promise<OldSdk> {
  if (!oldSdkAvailable())
    throw new UserError(
      `needs the development dependency ${OLD_SDK} (run npm ci in a checkout)`,
      'sdk-pinned-old',
    );
  const mcp = (await import(`${OLD_SDK}/server/mcp.js`)) as Pick<OldSdk, 'McpServer'>;
  const http = (await import(`${OLD_SDK}/server/streamableHttp.js`)) as Pick<
    OldSdk,
    'StreamableHTTPServerTransport'
  >;
  return { McpServer: mcp.McpServer, StreamableHTTPServerTransport: http.StreamableHTTPServerTransport };
}

const RANGE = { first: '1.13.0', last: '1.24.0', ecosystem: 'npm' };

export const sdkPinnedOld: LabServerDef = {
  name: 'sdk-pinned-old',
  description:
    'Official SDK pinned to 1.23.0, stateful Streamable HTTP on node:http (dated by its revision list)',
  transport: 'streamable-http',
  mcpPath: '/mcp',
  available: oldSdkAvailable,
  discloses: [
    { id: 'mcp-serverinfo', product: NAME, version: VERSION },
    {
      id: 'mcp-supported-versions',
      path: '/mcp',
      product: '@modelcontextprotocol/sdk',
      versionRange: RANGE,
      note: 'inside a session: the list 2025-06-18, 2025-03-26, 2024-11-05, 2024-10-07 is SDK 1.13.0 to 1.24.0',
    },
    { id: 'GHSA-8r9q-7v3j-jr4g', product: '@modelcontextprotocol/sdk', versionRange: RANGE },
    { id: 'GHSA-345p-7cg4-v4c7', product: '@modelcontextprotocol/sdk', versionRange: RANGE },
    { id: 'fingerprint-ts-sdk-streamable' },
    { id: 'fingerprint-ts-sdk-session-id' },
    { id: 'fingerprint-node-http' },
  ],
  products: [
    { product: NAME, version: VERSION },
    { product: '@modelcontextprotocol/sdk', versionRange: RANGE },
    { product: 'node' },
  ],
  async start({ host, port }) {
    const sdk = await loadOldSdk();
    const transports = new Map<string, OldTransport>();
    const http = createServer(async (req, res) => {
      if (new URL(req.url ?? '/', 'http://lab').pathname !== '/mcp') {
        res.writeHead(404).end();
        return;
      }
      const sid = req.headers['mcp-session-id'];
      let transport = typeof sid === 'string' ? transports.get(sid) : undefined;
      try {
        if (!transport) {
          if (req.method !== 'POST' || transports.size >= MAX_SESSIONS) {
            res.writeHead(400, { 'content-type': 'application/json' }).end(
              JSON.stringify({
                jsonrpc: '2.0',
                error: { code: -32000, message: 'Bad Request: No valid session ID provided' },
                id: null,
              }),
            );
            return;
          }
          const t = new sdk.StreamableHTTPServerTransport({
            sessionIdGenerator: randomUUID,
            onsessioninitialized: (id) => transports.set(id, t),
          });
          t.onclose = () => {
            if (t.sessionId) transports.delete(t.sessionId);
          };
          const server = new sdk.McpServer({ name: NAME, version: VERSION });
          // The lab's usual harmless tool, registered through the old SDK itself.
          server.registerTool(
            'echo',
            { description: 'Returns the text it is given.', inputSchema: { text: z.string().max(10_000) } },
            ({ text }) => ({ content: [{ type: 'text', text }] }),
          );
          await server.connect(t);
          transport = t;
        }
        await transport.handleRequest(req, res);
      } catch {
        if (!res.headersSent) res.writeHead(500).end();
      }
    });
    const bound = await listen(http, host, port);
    return {
      name: sdkPinnedOld.name,
      url: baseUrl(host, bound),
      mcpUrl: `${baseUrl(host, bound)}/mcp`,
      def: sdkPinnedOld,
      close: async () => {
        await Promise.allSettled([...transports.values()].map((t) => t.close()));
        await closeServer(http);
      },
    };
  },
};
