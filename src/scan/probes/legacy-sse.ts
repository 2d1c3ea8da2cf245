import { initializeRequest, POST_HEADERS } from '../../mcp/messages.js';
import type { ProbeContext } from '../context.js';
import type { Observation } from '../observation.js';
import { isResponseEvent, rpcResponse } from './rpc.js';
import type { McpEndpoint } from './streamable.js';

const INIT_ID = 'mcpward-sse-init';

/**
 * Legacy HTTP+SSE (2024-11-05): GET the stream, read the `endpoint` event, POST initialize there and
 * read the answer on the stream. Also sends a malformed message and a wrong content type while the
 * session is open, since those answers differ between SDKs. The endpoint must be on the same origin:
 * scan never sends a request to a host the user did not name.
 */
export async function probeLegacySse(
  ctx: ProbeContext,
  paths: readonly string[],
): Promise<McpEndpoint | undefined> {
  for (const path of paths) {
    const stream = await ctx.open({
      probe: 'sse-open',
      label: `GET ${path} (SSE)`,
      method: 'GET',
      path,
      headers: { accept: 'text/event-stream' },
    });
    const open = stream.observation;
    try {
      if (!stream.reader || open.status !== 200 || !open.contentType?.startsWith('text/event-stream'))
        continue;
      const endpointEvent = await stream.reader.until((e) => e.event === 'endpoint');
      if (!endpointEvent) continue;
      open.endpoint = endpointEvent.data.trim();
      open.events = [endpointEvent];
      const messagesUrl = new URL(open.endpoint, ctx.url(path));
      if (messagesUrl.origin !== new URL(ctx.target.origin).origin) {
        open.error = `endpoint event names another origin (${messagesUrl.origin}); not followed`;
        return { path, transport: 'sse' };
      }
      const messagesPath = messagesUrl.pathname + messagesUrl.search;
      const post = await ctx.send({
        probe: 'sse-post',
        label: `POST ${messagesUrl.pathname} initialize`,
        method: 'POST',
        path: messagesPath,
        headers: { ...POST_HEADERS },
        body: JSON.stringify(initializeRequest(INIT_ID, ctx.clientInfo, '2024-11-05')),
      });
      const reply = await stream.reader.until(isResponseEvent(INIT_ID));
      if (reply) {
        const msg: Observation = {
          probe: 'sse-message',
          label: `SSE ${path} reply to initialize`,
          method: 'GET',
          path,
          status: open.status,
          headers: open.headers,
          body: reply.data,
          truncated: false,
          events: [reply],
          durationMs: post.durationMs,
        };
        const rpc = rpcResponse(msg, INIT_ID);
        if (rpc) msg.rpc = rpc;
        ctx.observations.push(msg);
      }
      await sseErrors(ctx, messagesPath, messagesUrl.pathname);
      const found: McpEndpoint = { path, transport: 'sse', messagesPath };
      return found;
    } finally {
      open.body = stream.reader?.raw ?? open.body;
      await stream.close();
    }
  }
  return undefined;
}

async function sseErrors(ctx: ProbeContext, path: string, shown: string): Promise<void> {
  await ctx.send({
    probe: 'sse-err-json',
    label: `POST ${shown} malformed JSON`,
    method: 'POST',
    path,
    headers: { ...POST_HEADERS },
    body: '{"jsonrpc":"2.0","id":',
  });
  await ctx.send({
    probe: 'sse-err-content-type',
    label: `POST ${shown} Content-Type: text/plain`,
    method: 'POST',
    path,
    headers: { 'content-type': 'text/plain', accept: 'application/json, text/event-stream' },
    body: 'ping',
  });
}
