/**
 * proxied-envoy: an SDK 1.x server (stateless Streamable HTTP on node:http) behind the lab's reverse
 * proxy dressed as Envoy: every path routed to the upstream, `server: envoy` replacing the upstream's
 * Server header, `x-envoy-upstream-service-time` on proxied answers, `via: 1.1 envoy` (the connection
 * manager's `via` option), and Envoy's own 503 text when the upstream cannot be reached.
 */
import { randomUUID } from 'node:crypto';
import { type ProxyFlavour, startProxiedSdkServer } from '../proxy.js';
import type { LabServerDef } from '../types.js';

const NAME = 'inventory-mcp';
const VERSION = '3.0.1';

export const envoyFlavour: ProxyFlavour = {
  routes: () => true,
  noRoute: () => ({ status: 404, headers: { server: 'envoy' }, body: '' }),
  upstreamDown: () => ({
    status: 503,
    headers: { 'content-type': 'text/plain', server: 'envoy' },
    body: 'upstream connect error or disconnect/reset before headers. reset reason: remote connection failure, transport failure reason: delayed connect error: 111',
  }),
  requestHeaders: ({ clientIp }) => ({
    'x-forwarded-for': clientIp,
    'x-forwarded-proto': 'http',
    'x-request-id': randomUUID(),
    'x-envoy-expected-rq-timeout-ms': '15000',
    via: '1.1 envoy',
  }),
  responseHeaders: (upstream, { upstreamMs }) => {
    const via = upstream['via'];
    return {
      ...upstream,
      server: 'envoy',
      'x-envoy-upstream-service-time': String(upstreamMs),
      via: via ? `${via}, 1.1 envoy` : '1.1 envoy',
    };
  },
  sendsConnectionHeader: false,
};

export const proxiedEnvoy: LabServerDef = {
  name: 'proxied-envoy',
  description: 'SDK 1.x stateless server behind an Envoy-like reverse proxy',
  transport: 'streamable-http',
  mcpPath: '/mcp',
  discloses: [
    { id: 'header-server', product: 'envoy' },
    { id: 'infra-via', product: 'envoy' },
    { id: 'infra-envoy', product: 'envoy' },
    { id: 'mcp-serverinfo', product: NAME, version: VERSION },
    { id: 'mcp-supported-versions', path: '/mcp' },
    // The SDK's 406 wording passes through the proxy untouched.
    { id: 'fingerprint-ts-sdk-streamable' },
  ],
  products: [
    { product: 'envoy' },
    { product: NAME, version: VERSION },
    { product: '@modelcontextprotocol/sdk' },
  ],
  start({ host, port }) {
    return startProxiedSdkServer(proxiedEnvoy, { name: NAME, version: VERSION }, envoyFlavour, {
      host,
      port,
    });
  },
};
