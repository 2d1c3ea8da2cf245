import { createServer, type Server } from 'node:http';
import type { GuardMetrics } from './metrics.js';

/**
 * The admin listener (loopback by default): Prometheus `/metrics` and `/healthz` for the guard itself.
 * Kept off the proxied port so neither a scanner nor a client can reach it through the guard.
 */
export function createAdminServer(metrics: GuardMetrics, healthy: () => boolean): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET', 'content-length': '0' }).end();
      return;
    }
    if (path === '/metrics') {
      metrics.text().then(
        (text) => {
          res.writeHead(200, {
            'content-type': metrics.contentType,
            'content-length': Buffer.byteLength(text),
          });
          res.end(req.method === 'HEAD' ? undefined : text);
        },
        () => res.writeHead(500, { 'content-length': '0' }).end(),
      );
      return;
    }
    if (path === '/healthz') {
      const ok = healthy();
      const body = ok ? '{"status":"ok"}' : '{"status":"stopping"}';
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    res.writeHead(404, { 'content-length': '0' }).end();
  });
  server.keepAliveTimeout = 30_000;
  return server;
}
