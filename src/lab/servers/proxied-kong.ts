/**
 * proxied-kong: an SDK 1.x server (stateless Streamable HTTP on node:http) behind the lab's reverse
 * proxy dressed as Kong 3.4.2 with its default `headers` setting: one route (`paths: ["/mcp"]`,
 * prefix match), `Via: kong/3.4.2` plus `X-Kong-Upstream-Latency` and `X-Kong-Proxy-Latency` on
 * proxied answers, and Kong's own `Server: kong/3.4.2` answers for every other path. (Kong before
 * 3.8 overwrote Via with its server token and added no Server header to proxied answers.)
 */
import { type ProxyFlavour, startProxiedSdkServer } from '../proxy.js';
import type { LabServerDef } from '../types.js';

const NAME = 'crm-connector-mcp';
const VERSION = '0.9.3';
const KONG = 'kong/3.4.2';

const kongAnswer = (status: number, message: string) => ({
  status,
  headers: {
    'content-type': 'application/json; charset=utf-8',
    'x-kong-response-latency': '0',
    server: KONG,
  },
  body: `{"message":"${message}"}`,
});

export const kongFlavour: ProxyFlavour = {
  routes: (pathname) => pathname === '/mcp' || pathname.startsWith('/mcp/'),
  noRoute: () => kongAnswer(404, 'no Route matched with those values'),
  upstreamDown: () => kongAnswer(502, 'An invalid response was received from the upstream server'),
  requestHeaders: ({ clientIp, host }) => ({
    'x-forwarded-for': clientIp,
    'x-forwarded-proto': 'http',
    'x-forwarded-host': host.replace(/:\d+$/, ''),
    'x-real-ip': clientIp,
  }),
  responseHeaders: (upstream, { upstreamMs, proxyMs }) => ({
    ...upstream,
    'x-kong-upstream-latency': String(upstreamMs),
    'x-kong-proxy-latency': String(proxyMs),
    via: KONG,
  }),
  sendsConnectionHeader: true,
};

export const proxiedKong: LabServerDef = {
  name: 'proxied-kong',
  description: 'SDK 1.x stateless server behind a Kong-like API gateway',
  transport: 'streamable-http',
  mcpPath: '/mcp',
  discloses: [
    // Kong's own answers (any path but /mcp).
    { id: 'header-server', product: 'kong', version: '3.4.2' },
    // Kong < 3.8 writes `Via: kong/3.4.2`, without the protocol token RFC 9110 puts first.
    { id: 'infra-via', product: 'kong', version: '3.4.2', path: '/mcp' },
    { id: 'infra-kong', product: 'kong' },
    { id: 'mcp-serverinfo', product: NAME, version: VERSION },
    { id: 'mcp-supported-versions', path: '/mcp' },
    { id: 'fingerprint-ts-sdk-streamable' },
  ],
  products: [
    { product: 'kong', version: '3.4.2' },
    { product: NAME, version: VERSION },
    { product: '@modelcontextprotocol/sdk' },
  ],
  start({ host, port }) {
    return startProxiedSdkServer(proxiedKong, { name: NAME, version: VERSION }, kongFlavour, { host, port });
  },
};
