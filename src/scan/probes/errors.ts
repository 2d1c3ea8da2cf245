import { request } from '../../mcp/jsonrpc.js';
import { discoverRequest, POST_HEADERS, statelessHeaders } from '../../mcp/messages.js';
import { BOGUS_REVISION } from '../../mcp/revisions.js';
import type { ProbeContext } from '../context.js';
import type { McpEndpoint } from './streamable.js';

/** A Host that names no site of the target's, to see how it treats DNS-rebinding attempts. */
export const FOREIGN_HOST = 'mcpward-probe.invalid';

/**
 * Requests that make servers explain themselves: malformed JSON, wrong content type, wrong Accept,
 * wrong method, an unsupported protocol revision, a foreign Host and a foreign Origin. Sent to the MCP
 * endpoint (or `/` when none was found). They use `ping`, never a tool call, and carry our session so
 * that session checks do not hide the answer.
 */
export async function probeErrors(ctx: ProbeContext, endpoint: McpEndpoint | undefined): Promise<void> {
  const path = endpoint && endpoint.transport !== 'sse' ? endpoint.path : '/';
  const stateless = endpoint?.transport === 'stateless';
  const session: Record<string, string> = endpoint?.sessionId ? { 'mcp-session-id': endpoint.sessionId } : {};
  const ping = JSON.stringify(
    stateless ? discoverRequest('mcpward-ping', ctx.clientInfo) : request('mcpward-ping', 'ping'),
  );
  const modern = stateless ? statelessHeaders('server/discover') : {};
  const post = (probe: string, what: string, headers: Record<string, string>, body = ping) =>
    ctx.send({ probe, label: `POST ${path} ${what}`, method: 'POST', path, headers, body });

  await post(
    'err-json',
    'malformed JSON',
    { ...POST_HEADERS, ...modern, ...session },
    '{"jsonrpc":"2.0","id":1,"method":',
  );
  await post('err-content-type', 'Content-Type: text/plain', {
    ...POST_HEADERS,
    ...modern,
    ...session,
    'content-type': 'text/plain',
  });
  await post('err-accept', 'Accept: application/json only', {
    ...POST_HEADERS,
    ...modern,
    ...session,
    accept: 'application/json',
  });
  await ctx.send({ probe: 'err-method', label: `PUT ${path}`, method: 'PUT', path, headers: { ...session } });
  const bogus = stateless
    ? {
        headers: { ...POST_HEADERS, ...statelessHeaders('server/discover', BOGUS_REVISION) },
        body: JSON.stringify(discoverRequest('mcpward-version', ctx.clientInfo, BOGUS_REVISION)),
      }
    : {
        headers: { ...POST_HEADERS, ...session, 'mcp-protocol-version': BOGUS_REVISION },
        body: JSON.stringify(request('mcpward-version', 'ping')),
      };
  await post(`err-protocol-version`, `MCP-Protocol-Version: ${BOGUS_REVISION}`, bogus.headers, bogus.body);
  await post('err-host', `Host: ${FOREIGN_HOST}`, {
    ...POST_HEADERS,
    ...modern,
    ...session,
    host: FOREIGN_HOST,
  });
  await post('err-origin', `Origin: http://${FOREIGN_HOST}`, {
    ...POST_HEADERS,
    ...modern,
    ...session,
    origin: `http://${FOREIGN_HOST}`,
  });
}
