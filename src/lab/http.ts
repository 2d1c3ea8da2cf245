import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';

/** `http://host:port`, with IPv6 literals in brackets. */
export function baseUrl(host: string, port: number): string {
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/** Loopback: 127.0.0.0/8, ::1 and `localhost`. The lab only binds there unless told otherwise. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped ? mapped[1]!.startsWith('127.') : false;
}

/**
 * Hostnames a DNS-rebinding check should accept for a server bound to `host`: the loopback names,
 * plus the bind address itself when it is not a wildcard, so the lab works the same however it is reached.
 */
export function allowedHostnames(host: string): string[] {
  const names = ['localhost', '127.0.0.1', '[::1]'];
  const h = host.replace(/^\[|\]$/g, '');
  if (h !== '0.0.0.0' && h !== '::' && !isLoopbackHost(h)) names.push(isIP(h) === 6 ? `[${h}]` : h);
  return names;
}

/** Listens and resolves with the bound port (port 0 = ephemeral). Listen errors reject. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, drops every connection (idle or streaming) and resolves when the server is closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      server.closeAllConnections();
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Node's http server answers every keep-alive request with `Connection: keep-alive` and
 * `Keep-Alive: timeout=5`, which names the runtime. Servers that emulate other software (uvicorn,
 * Envoy) or that are hardened remove them; the socket stays reusable.
 */
export function dropNodeConnectionHeaders(res: ServerResponse): void {
  res.removeHeader('connection');
}

/** Reads a request body up to `limit` bytes; resolves `undefined` when it is larger. */
export async function readBody(req: IncomingMessage, limit = 4 * 1024 * 1024): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) return undefined;
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** Parses JSON without throwing (the caller answers malformed bodies its own way). */
export function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Sends a complete response with an explicit Content-Length. */
export function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer = '',
): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, 'content-length': String(buf.length) });
  res.end(buf);
}
