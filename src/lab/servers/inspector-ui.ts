/**
 * inspector-ui: a web UI shaped like the MCP Inspector client (@modelcontextprotocol/inspector 0.14.0),
 * which is affected by GHSA-7f8r-222p-6f5g (no auth between the UI and its proxy, fixed in 0.14.1) and
 * GHSA-g9hg-qhmf-q45m (fixed in 0.16.6). The page is the real client's index.html shape
 * (`<title>MCP Inspector</title>`, a hashed Vite bundle), and the bundle inlines the package version the
 * way the real one does (`const version = "0.14.0";`, shown as "MCP Inspector v{version}"). The bundle
 * here is a few lines written for the lab, not the real client.
 */
import { createServer } from 'node:http';
import { baseUrl, closeServer, listen, send } from '../http.js';
import type { LabServerDef } from '../types.js';

const VERSION = '0.14.0';
const BUNDLE_PATH = '/assets/index-Lab3x9Qa.js';

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <link rel="icon" type="image/svg+xml" href="/mcp.svg" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <title>MCP Inspector</title>
    <script type="module" crossorigin src="${BUNDLE_PATH}"></script>
  </head>
  <body>
    <div id="root"></div>
  </body>
</html>
`;

const BUNDLE = `const version = "${VERSION}";
function Sidebar() {
  return jsx("h1", { className: "ml-2 text-lg font-semibold", children: ["MCP Inspector v", version] });
}
export { Sidebar };
`;

export const inspectorUi: LabServerDef = {
  name: 'inspector-ui',
  description: 'Web UI shaped like the MCP Inspector 0.14.0 client (its bundle states the version)',
  transport: 'none',
  discloses: [
    { id: 'ui-mcp-inspector', product: 'MCP Inspector', version: VERSION },
    { id: 'GHSA-7f8r-222p-6f5g', product: '@modelcontextprotocol/inspector', version: VERSION },
    { id: 'GHSA-g9hg-qhmf-q45m', product: '@modelcontextprotocol/inspector', version: VERSION },
    { id: 'fingerprint-node-http' },
  ],
  products: [{ product: 'MCP Inspector', version: VERSION }, { product: 'node' }],
  async start({ host, port }) {
    const http = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://lab').pathname;
      req.resume();
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { allow: 'GET, HEAD' });
      if (path === '/' || path === '/index.html')
        return send(res, 200, { 'content-type': 'text/html; charset=utf-8' }, PAGE);
      if (path === BUNDLE_PATH)
        return send(res, 200, { 'content-type': 'text/javascript; charset=utf-8' }, BUNDLE);
      send(res, 404, {});
    });
    const bound = await listen(http, host, port);
    return {
      name: inspectorUi.name,
      url: baseUrl(host, bound),
      def: inspectorUi,
      close: () => closeServer(http),
    };
  },
};
