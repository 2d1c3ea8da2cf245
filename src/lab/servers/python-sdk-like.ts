/**
 * python-sdk-like: an EMULATION, in TypeScript, of the wire behaviour of a Python MCP server built with
 * the official Python SDK (`mcp` 1.22.0): `FastMCP("Weather")` served by uvicorn, with the SDK's DNS
 * rebinding protection switched on by the app (`transport_security=TransportSecuritySettings(
 * allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"], allowed_origins=[...])`, available since
 * 1.10.0) and both FastMCP apps mounted in one Starlette app: Streamable HTTP at `/mcp` (stateful, SSE
 * answers) and legacy SSE at `/sse` + `/messages/`.
 *
 * Python cannot run here, so nothing below is Python: each answer was written from the python-sdk
 * source at tag v1.22.0 (`src/mcp/server/sse.py`, `streamable_http.py`, `streamable_http_manager.py`,
 * `transport_security.py`, `fastmcp/server.py`, `lowlevel/server.py`, `session.py`) and from captures
 * of the SDK's v1.x branch under uvicorn, which answers these requests the same way. What it copies:
 * `server: uvicorn` and uvicorn's header order (no Node `Connection`/`Keep-Alive` defaults), Starlette's
 * `Not Found` text/plain 404, 405 and 307 slash redirects, sse-starlette framing (`\r\n`, `: ping`
 * comments every 15 s), `/messages/?session_id=<32 hex>`, 421 `Invalid Host header`, 403 `Invalid Origin
 * header`, 400 `Invalid Content-Type header`, JSON errors with `"id":"server-error"`, CPython's json
 * error messages, the supported-versions list of 1.22.0, and FastMCP's serverInfo, whose version is the
 * installed `mcp` package version. Not copied: pydantic's multi-line validation messages (only their
 * first line) and behaviour under load.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { baseUrl, closeServer, dropNodeConnectionHeaders, listen, readBody } from '../http.js';
import { pythonJsonError } from '../python-json.js';
import {
  asJsonRpcMessage,
  type JsonRpcIn,
  PY_DEFAULT_NEGOTIATED_VERSION,
  PY_MCP_VERSION,
  PY_SERVER_NAME,
  PY_SUPPORTED_VERSIONS,
  PyMcpSession,
} from '../python-mcp.js';
import type { LabServerDef } from '../types.js';

const SEP = '\r\n';
const PING_MS = 15_000;
const MAX_SESSIONS = 1000;

type Headers = [string, string][];

/**
 * uvicorn writes `date` and `server` first, then the application's headers; starlette's
 * `init_headers` puts the given headers first, then `content-length`, then the media type.
 */
function respond(
  res: ServerResponse,
  status: number,
  headers: Headers,
  body?: string,
  mediaType?: string,
): void {
  res.sendDate = false;
  dropNodeConnectionHeaders(res);
  res.setHeader('date', new Date().toUTCString());
  res.setHeader('server', 'uvicorn');
  for (const [k, v] of headers) res.setHeader(k, v);
  const buf = body === undefined ? undefined : Buffer.from(body);
  if (buf && !res.hasHeader('content-length')) res.setHeader('content-length', String(buf.length));
  if (mediaType && !res.hasHeader('content-type')) res.setHeader('content-type', mediaType);
  res.writeHead(status);
  res.end(buf);
}

/** starlette `Response(text, status_code)`: no media type, so no Content-Type. */
const bare = (res: ServerResponse, status: number, text: string) => respond(res, status, [], text);
/** starlette `PlainTextResponse`. */
const plain = (res: ServerResponse, status: number, text: string, headers: Headers = []) =>
  respond(res, status, headers, text, 'text/plain; charset=utf-8');

/** sse-starlette's `ServerSentEvent.encode()`. */
const sseEvent = (event: string, data: string) => `event: ${event}${SEP}data: ${data}${SEP}${SEP}`;
const ssePing = () => {
  // str(datetime.now(timezone.utc)): "2025-01-01 12:00:00.123000+00:00"
  const iso = new Date().toISOString();
  return `: ping - ${iso.slice(0, 10)} ${iso.slice(11, 23)}000+00:00${SEP}${SEP}`;
};

/** Opens an sse-starlette EventSourceResponse and pings it until it closes. */
function openSse(res: ServerResponse, headers: Headers): void {
  res.sendDate = false;
  res.setHeader('date', new Date().toUTCString());
  res.setHeader('server', 'uvicorn');
  for (const [k, v] of headers) res.setHeader(k, v);
  res.writeHead(200);
  res.flushHeaders();
  const ping = setInterval(() => res.write(ssePing()), PING_MS);
  res.once('close', () => clearInterval(ping));
}

/** `TransportSecurityMiddleware.validate_request` with the app's settings. */
function securityError(
  req: IncomingMessage,
  isPost: boolean,
  allowedHosts: string[],
): [number, string] | undefined {
  if (isPost) {
    const ct = req.headers['content-type'];
    if (!ct?.toLowerCase().startsWith('application/json')) return [400, 'Invalid Content-Type header'];
  }
  const matches = (value: string, allowed: string[]) =>
    allowed.some((a) => a === value || (a.endsWith(':*') && value.startsWith(`${a.slice(0, -2)}:`)));
  const host = req.headers.host;
  if (!host || !matches(host, allowedHosts)) return [421, 'Invalid Host header'];
  const origin = req.headers.origin;
  if (
    origin &&
    !matches(
      origin,
      allowedHosts.map((h) => `http://${h}`),
    )
  )
    return [403, 'Invalid Origin header'];
  return undefined;
}

interface StreamableSession {
  id: string;
  mcp: PyMcpSession;
  terminated: boolean;
  getStream?: ServerResponse;
}

/** Parses a POSTed JSON-RPC body the way the Python transport does, or says what it would answer. */
function parseMessage(body: Buffer | undefined): { msg: JsonRpcIn } | { code: number; message: string } {
  const text = body?.toString('utf8') ?? '';
  const syntax = pythonJsonError(text);
  if (syntax) return { code: -32700, message: `Parse error: ${syntax}` };
  const msg = asJsonRpcMessage(JSON.parse(text));
  if (!msg) return { code: -32602, message: 'Validation error: 4 validation errors for JSONRPCMessage' };
  return { msg };
}

export const pythonSdkLike: LabServerDef = {
  name: 'python-sdk-like',
  description: 'Emulation of a Python SDK (FastMCP 1.22.0 on uvicorn) server: Streamable HTTP and legacy SSE',
  transport: 'streamable-http',
  mcpPath: '/mcp',
  discloses: [
    // FastMCP's serverInfo.version is the installed `mcp` package version.
    { id: 'mcp-serverinfo', product: PY_SERVER_NAME, version: PY_MCP_VERSION },
    { id: 'header-server', product: 'uvicorn' },
    {
      id: 'mcp-supported-versions',
      path: '/mcp',
      note: 'inside a session: initialize, then POST with Mcp-Session-Id and MCP-Protocol-Version: 1900-01-01',
    },
    { id: 'fingerprint-py-sdk-sse' },
    // uuid4().hex: every POST without a session id mints one.
    { id: 'fingerprint-py-sdk-session-id' },
    { id: 'fingerprint-py-sdk-host-check' },
    { id: 'fingerprint-starlette' },
    // mcp 1.22.0 is affected by GHSA-9h52-p55h-vw2f (fixed in 1.23.0).
    { id: 'GHSA-9h52-p55h-vw2f', product: 'mcp', version: PY_MCP_VERSION },
  ],
  products: [
    { product: PY_SERVER_NAME, version: PY_MCP_VERSION },
    { product: 'uvicorn' },
    { product: 'mcp (Python SDK)' },
    { product: 'starlette' },
  ],
  async start({ host, port }) {
    const allowedHosts = ['127.0.0.1:*', 'localhost:*', '[::1]:*'];
    if (!['127.0.0.1', 'localhost', '::1', '0.0.0.0', '::'].includes(host))
      allowedHosts.push(`${host.includes(':') ? `[${host}]` : host}:*`);
    const sessions = new Map<string, StreamableSession>();
    const sseSessions = new Map<string, { res: ServerResponse; mcp: PyMcpSession }>();
    const newId = () => randomBytes(16).toString('hex');

    const remember = (s: StreamableSession) => {
      sessions.set(s.id, s);
      // Python keeps every session (terminated ones too); the lab keeps the newest MAX_SESSIONS.
      if (sessions.size > MAX_SESSIONS) {
        const oldest = sessions.values().next().value as StreamableSession;
        oldest.getStream?.end();
        sessions.delete(oldest.id);
      }
    };

    const jsonError = (
      res: ServerResponse,
      s: StreamableSession,
      status: number,
      message: string,
      code = -32600,
    ) =>
      respond(
        res,
        status,
        [
          ['content-type', 'application/json'],
          ['mcp-session-id', s.id],
        ],
        JSON.stringify({ jsonrpc: '2.0', id: 'server-error', error: { code, message } }),
      );

    /** `_validate_request_headers`: session, then protocol version (absent = 2025-03-26). */
    const headersOk = (req: IncomingMessage, res: ServerResponse, s: StreamableSession): boolean => {
      const sid = req.headers['mcp-session-id'];
      if (!sid) {
        jsonError(res, s, 400, 'Bad Request: Missing session ID');
        return false;
      }
      if (sid !== s.id) {
        jsonError(res, s, 404, 'Not Found: Invalid or expired session ID');
        return false;
      }
      const version =
        (req.headers['mcp-protocol-version'] as string | undefined) ?? PY_DEFAULT_NEGOTIATED_VERSION;
      if (!PY_SUPPORTED_VERSIONS.includes(version)) {
        jsonError(
          res,
          s,
          400,
          `Bad Request: Unsupported protocol version: ${version}. Supported versions: ${PY_SUPPORTED_VERSIONS.join(', ')}`,
        );
        return false;
      }
      return true;
    };

    const streamable = async (req: IncomingMessage, res: ServerResponse) => {
      // StreamableHTTPSessionManager: an unknown id is refused, no id at all makes a new session.
      const sid = req.headers['mcp-session-id'] as string | undefined;
      let s = sid === undefined ? undefined : sessions.get(sid);
      if (sid !== undefined && !s) {
        bare(res, 400, 'Bad Request: No valid session ID provided');
        return;
      }
      if (!s) {
        s = { id: newId(), mcp: new PyMcpSession(), terminated: false };
        remember(s);
      }
      const bad = securityError(req, req.method === 'POST', allowedHosts);
      if (bad) {
        bare(res, bad[0], bad[1]);
        return;
      }
      if (s.terminated) {
        jsonError(res, s, 404, 'Not Found: Session has been terminated');
        return;
      }
      const accept = String(req.headers.accept ?? '')
        .split(',')
        .map((t) => t.trim());
      const acceptsJson = accept.some((t) => t.startsWith('application/json'));
      const acceptsSse = accept.some((t) => t.startsWith('text/event-stream'));

      if (req.method === 'POST') {
        if (!acceptsJson || !acceptsSse) {
          jsonError(
            res,
            s,
            406,
            'Not Acceptable: Client must accept both application/json and text/event-stream',
          );
          return;
        }
        const ct = String(req.headers['content-type'] ?? '')
          .split(';')[0]!
          .split(',')
          .map((p) => p.trim());
        if (!ct.includes('application/json')) {
          jsonError(res, s, 415, 'Unsupported Media Type: Content-Type must be application/json');
          return;
        }
        const parsed = parseMessage(await readBody(req));
        if (!('msg' in parsed)) {
          jsonError(res, s, 400, parsed.message, parsed.code);
          return;
        }
        const msg = parsed.msg;
        if (msg.method !== 'initialize' && !headersOk(req, res, s)) return;
        const reply = s.mcp.handle(msg);
        if (msg.method === undefined || msg.id === undefined) {
          // Notifications and client responses: 202, an empty JSON response.
          respond(
            res,
            202,
            [
              ['content-type', 'application/json'],
              ['mcp-session-id', s.id],
            ],
            '',
          );
          return;
        }
        openSse(res, [
          ['cache-control', 'no-cache, no-transform'],
          ['connection', 'keep-alive'],
          ['content-type', 'text/event-stream'],
          ['mcp-session-id', s.id],
          ['x-accel-buffering', 'no'],
        ]);
        res.end(sseEvent('message', JSON.stringify(reply)));
        return;
      }
      if (req.method === 'GET') {
        if (!acceptsSse) {
          jsonError(res, s, 406, 'Not Acceptable: Client must accept text/event-stream');
          return;
        }
        if (!headersOk(req, res, s)) return;
        if (s.getStream) {
          jsonError(res, s, 409, 'Conflict: Only one SSE stream is allowed per session');
          return;
        }
        const session = s;
        session.getStream = res;
        res.once('close', () => {
          if (session.getStream === res) session.getStream = undefined;
        });
        openSse(res, [
          ['cache-control', 'no-cache, no-transform'],
          ['connection', 'keep-alive'],
          ['content-type', 'text/event-stream'],
          ['mcp-session-id', s.id],
          ['x-accel-buffering', 'no'],
        ]);
        return;
      }
      if (req.method === 'DELETE') {
        if (!headersOk(req, res, s)) return;
        s.terminated = true;
        s.getStream?.end();
        respond(
          res,
          200,
          [
            ['content-type', 'application/json'],
            ['mcp-session-id', s.id],
          ],
          '',
        );
        return;
      }
      respond(
        res,
        405,
        [
          ['content-type', 'application/json'],
          ['allow', 'GET, POST, DELETE'],
          ['mcp-session-id', s.id],
        ],
        JSON.stringify({
          jsonrpc: '2.0',
          id: 'server-error',
          error: { code: -32600, message: 'Method Not Allowed' },
        }),
      );
    };

    const openLegacySse = (req: IncomingMessage, res: ServerResponse) => {
      const bad = securityError(req, false, allowedHosts);
      if (bad) {
        bare(res, bad[0], bad[1]);
        return;
      }
      if (sseSessions.size >= MAX_SESSIONS) {
        bare(res, 503, 'Service Unavailable');
        return;
      }
      const id = newId();
      sseSessions.set(id, { res, mcp: new PyMcpSession() });
      res.once('close', () => sseSessions.delete(id));
      openSse(res, [
        ['cache-control', 'no-store'],
        ['connection', 'keep-alive'],
        ['x-accel-buffering', 'no'],
        ['content-type', 'text/event-stream; charset=utf-8'],
      ]);
      res.write(sseEvent('endpoint', `/messages/?session_id=${id}`));
    };

    /** `SseServerTransport.handle_post_message` (mounted at /messages/, so every method lands here). */
    const postMessage = async (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => {
      const bad = securityError(req, true, allowedHosts);
      if (bad) {
        bare(res, bad[0], bad[1]);
        return;
      }
      const raw = query.get('session_id');
      if (raw === null) {
        bare(res, 400, 'session_id is required');
        return;
      }
      // uuid.UUID(hex=...) accepts braces, hyphens and a urn:uuid: prefix around 32 hex digits.
      const hex = raw
        .replace(/^urn:/, '')
        .replace(/^uuid:/, '')
        .replace(/[{}-]/g, '');
      if (!/^[0-9a-fA-F]{32}$/.test(hex)) {
        bare(res, 400, 'Invalid session ID');
        return;
      }
      const session = sseSessions.get(hex.toLowerCase());
      if (!session) {
        bare(res, 404, 'Could not find session');
        return;
      }
      const body = await readBody(req);
      const text = body?.toString('utf8') ?? '';
      const msg = pythonJsonError(text) ? undefined : asJsonRpcMessage(JSON.parse(text));
      if (!msg) {
        bare(res, 400, 'Could not parse message');
        return;
      }
      bare(res, 202, 'Accepted');
      const reply = session.mcp.handle(msg);
      if (reply) session.res.write(sseEvent('message', JSON.stringify(reply)));
    };

    const http = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://lab');
      const path = url.pathname;
      try {
        if (path === '/mcp') await streamable(req, res);
        else if (path === '/sse') {
          if (req.method === 'GET' || req.method === 'HEAD') openLegacySse(req, res);
          else plain(res, 405, 'Method Not Allowed', [['allow', 'GET, HEAD']]);
        } else if (path.startsWith('/messages/')) await postMessage(req, res, url.searchParams);
        else if (path === '/mcp/' || path === '/messages') {
          // Starlette's redirect_slashes.
          const target = `${path === '/mcp/' ? '/mcp' : '/messages/'}${url.search}`;
          respond(
            res,
            307,
            [
              ['content-length', '0'],
              ['location', `http://${req.headers.host ?? 'localhost'}${target}`],
            ],
            '',
          );
        } else plain(res, 404, 'Not Found');
      } catch {
        if (!res.headersSent) plain(res, 500, 'Internal Server Error');
      }
    });
    const bound = await listen(http, host, port);
    const url = baseUrl(host, bound);
    return {
      name: pythonSdkLike.name,
      url,
      mcpUrl: `${url}/mcp`,
      def: pythonSdkLike,
      async close() {
        for (const s of sseSessions.values()) s.res.end();
        for (const s of sessions.values()) s.getStream?.end();
        sseSessions.clear();
        sessions.clear();
        await closeServer(http);
      },
    };
  },
};
