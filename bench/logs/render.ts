/** Renders generated access records in each supported log format, for the parser benchmark. */

import { formatAuditRecord } from '../../src/logs/audit.js';
import { type AccessRecord, clfTime, formatCombined } from '../lib/gen-access-log.js';

export const NGINX_CUSTOM =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $host';
export const APACHE_CUSTOM = '%h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-Agent}i\\" %D %{Host}i';
export const NGINX_JSON = `log_format j escape=json '{"time":"$time_iso8601","remote_addr":"$remote_addr","request":"$request","status":$status,"bytes":$body_bytes_sent,"referer":"$http_referer","ua":"$http_user_agent","rt":$request_time,"host":"$host"}';`;

const iso = (ms: number) => new Date(ms).toISOString();
const q = (s: string | undefined) => s ?? '-';

export const RENDER: Record<string, (r: AccessRecord) => string> = {
  combined: formatCombined,
  common: (r) =>
    `${r.ip} - - [${clfTime(r.time)}] "${r.method} ${r.target} ${r.version}" ${r.status} ${r.bytes}`,
  vhost_combined: (r) => `${r.host.split(':')[0]}:443 ${formatCombined(r)}`,
  'nginx log_format': (r) => `${formatCombined(r)} ${(r.timeTaken / 1000).toFixed(3)} ${r.host}`,
  'apache LogFormat': (r) => `${formatCombined(r)} ${r.timeTaken * 1000} ${r.host}`,
  'nginx escape=json': (r) =>
    JSON.stringify({
      time: iso(r.time),
      remote_addr: r.ip,
      request: `${r.method} ${r.target} ${r.version}`,
      status: r.status,
      bytes: r.bytes,
      referer: r.referer ?? '',
      ua: r.userAgent ?? '',
      rt: r.timeTaken / 1000,
      host: r.host,
    }),
  caddy: (r) =>
    JSON.stringify({
      level: 'info',
      ts: r.time / 1000,
      logger: 'http.log.access.log0',
      msg: 'handled request',
      request: {
        remote_ip: r.ip,
        remote_port: '51234',
        client_ip: r.ip,
        proto: r.version,
        method: r.method,
        host: r.host,
        uri: r.target,
        headers: { 'User-Agent': [q(r.userAgent)], Accept: ['*/*'] },
      },
      bytes_read: 0,
      user_id: '',
      duration: r.timeTaken / 1000,
      size: r.bytes,
      status: r.status,
      resp_headers: { Server: ['Caddy'] },
    }),
  traefik: (r) =>
    JSON.stringify({
      ClientAddr: `${r.ip}:51234`,
      ClientHost: r.ip,
      ClientPort: '51234',
      ClientUsername: '-',
      DownstreamContentSize: r.bytes,
      DownstreamStatus: r.status,
      Duration: r.timeTaken * 1e6,
      RequestAddr: r.host,
      RequestContentSize: 0,
      RequestHost: r.host,
      RequestMethod: r.method,
      RequestPath: r.target,
      RequestProtocol: r.version,
      RouterName: 'mcp@docker',
      StartUTC: iso(r.time),
      level: 'info',
      msg: '',
      'request_User-Agent': q(r.userAgent),
      time: iso(r.time),
    }),
  envoy: (r) =>
    JSON.stringify({
      start_time: iso(r.time),
      method: r.method,
      path: r.target,
      protocol: r.version,
      response_code: r.status,
      response_flags: '-',
      bytes_received: 0,
      bytes_sent: r.bytes,
      duration: r.timeTaken,
      upstream_service_time: String(r.timeTaken),
      x_forwarded_for: r.ip,
      user_agent: q(r.userAgent),
      request_id: 'c0ffee',
      authority: r.host,
      upstream_host: '10.0.0.5:8080',
      downstream_remote_address: `${r.ip}:51234`,
    }),
  'mcpward audit': (r) =>
    formatAuditRecord({
      '@timestamp': r.time,
      'x-mcpward-action': 'allowed',
      'c-ip': r.ip,
      'cs-method': r.method,
      'cs-uri-query': r.target,
      'cs-version': r.version,
      'cs-host': r.host,
      'sc-status': r.status,
      'sc-bytes': r.bytes,
      'time-taken': r.timeTaken,
      'cs-user-agent': r.userAgent,
    }).trimEnd(),
};
