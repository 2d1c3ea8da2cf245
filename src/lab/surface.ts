import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { z } from 'zod';

/** What an SDK 1.x lab server says about itself in `initialize`. */
export interface LabIdentity {
  name: string;
  version: string;
  instructions?: string;
}

/**
 * A real SDK 1.x McpServer with a small, harmless surface: two tools, a resource and a prompt.
 * Every lab server built on the SDK serves the same surface, so tests and demos can call it anywhere.
 */
// Shared by every session: a Server otherwise builds its own Ajv instance (used only to check
// elicitation answers), most of a session's memory when hundreds of lab servers run in one process.
const validator = new AjvJsonSchemaValidator();
const textArg = { text: z.string().max(10_000) };
const addArgs = { a: z.number(), b: z.number() };

export function createLabMcpServer(identity: LabIdentity): McpServer {
  const server = new McpServer(
    { name: identity.name, version: identity.version },
    {
      jsonSchemaValidator: validator,
      ...(identity.instructions ? { instructions: identity.instructions } : {}),
    },
  );
  server.registerTool(
    'echo',
    { description: 'Returns the text it is given.', inputSchema: textArg },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  server.registerTool(
    'add',
    { description: 'Adds two numbers.', inputSchema: addArgs },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
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
    { description: 'Asks for a summary of a text.', argsSchema: textArg },
    ({ text }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Summarize: ${text}` } }] }),
  );
  return server;
}
