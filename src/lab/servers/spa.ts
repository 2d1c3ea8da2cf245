/**
 * spa (negative control): a single-page app that answers every GET with the same HTML shell and 200,
 * `/version`, `/health` and `/mcp` included, as SPA hosting with a catch-all rewrite does. Other methods
 * get a bare 405 (POST, PUT, PATCH, DELETE) or 404. No MCP, no versions, no framework headers:
 * a scanner that trusts status codes would "find" version endpoints here; scan must find nothing.
 */
import { createServer } from 'node:http';
import { baseUrl, closeServer, dropNodeConnectionHeaders, listen, send } from '../http.js';
import type { LabServerDef } from '../types.js';

const SHELL = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Dashboard</title>
    <script type="module" src="/assets/index-5c1e9a.js"></script>
    <link rel="stylesheet" href="/assets/index-0b7d42.css">
  </head>
  <body>
    <div id="root"></div>
  </body>
</html>
`;

export const spa: LabServerDef = {
  name: 'spa',
  description: 'Negative control: single-page app answering 200 with the same HTML on every GET path',
  transport: 'none',
  discloses: [],
  products: [],
  async start({ host, port }) {
    const http = createServer((req, res) => {
      dropNodeConnectionHeaders(res);
      if (req.method === 'GET' || req.method === 'HEAD') {
        send(res, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }, SHELL);
      } else if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method ?? '')) {
        send(res, 405, { allow: 'GET, HEAD' });
      } else {
        send(res, 404, {});
      }
      // The shell is tiny; drain any request body so the connection stays reusable.
      req.resume();
    });
    const bound = await listen(http, host, port);
    const url = baseUrl(host, bound);
    return { name: spa.name, url, def: spa, close: () => closeServer(http) };
  },
};
