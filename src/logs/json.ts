/**
 * JSON-lines access logs: Caddy, Traefik, Envoy, lines already keyed by Sigma field names (including the
 * mcpward audit log), and anything else (nginx `escape=json` with home-made keys, ECS) through a key map
 * with heuristics. One JSON.parse per line, then a mapper per flavour.
 */

import { Acc, num, secondsToMs, str, stripPort } from './accumulate.js';
import { LineError, type LineParser, type LineRef, makeEvent, NO_REF, type WebserverEvent } from './event.js';
import { parseAnyTime, timeOrUndefined } from './time.js';

export type JsonFlavor = 'caddy' | 'traefik' | 'envoy' | 'sigma-json' | 'mcpward' | 'json';

type Obj = Record<string, unknown>;

function parseObject(line: string): Obj | LineError {
  const c = line.charCodeAt(0);
  if (c !== 123) return new LineError('not a JSON object (does not start with {)');
  try {
    const v: unknown = JSON.parse(line);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Obj;
    return new LineError('not a JSON object');
  } catch {
    return new LineError('not valid JSON (truncated line?)');
  }
}

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

/** Go `time.Duration` text (`1.5ms`, `929.675µs`, `1m2s`) to milliseconds. */
export function goDurationMs(s: string): number | undefined {
  const unit: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    μs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  let total = 0;
  let matched = '';
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(m[1]) * unit[m[2]!]!;
    matched += m[0];
  }
  return matched.length === s.length && matched ? Math.round(total * 1e3) / 1e3 : undefined;
}

// ---------------------------------------------------------------- Caddy

function caddy(o: Obj, acc: Acc): LineError | undefined {
  const r = obj(o['request']);
  if (!r) return new LineError('Caddy access log without a request object');
  acc.ip = str(r['client_ip']) || str(r['remote_ip']);
  const ra = str(r['remote_addr']);
  if (ra) acc.ipFallback = stripPort(ra);
  acc.method = str(r['method']);
  acc.host = str(r['host']);
  acc.target = str(r['uri']);
  acc.version = str(r['proto']);
  const headers = obj(r['headers']);
  if (headers)
    for (const [k, v] of Object.entries(headers)) acc.header(k, Array.isArray(v) ? v.join(', ') : v);
  acc.status = num(o['status']);
  acc.scBytes = num(o['size']);
  acc.csBytes = num(o['bytes_read']);
  const d = o['duration'];
  acc.timeTaken = typeof d === 'string' ? goDurationMs(d) : secondsToMs(d);
  acc.user = str(o['user_id']) || undefined;
  acc.timeFrom(o['ts']);
  return undefined;
}

// ---------------------------------------------------------------- Traefik

function traefik(o: Obj, acc: Acc): LineError | undefined {
  acc.ip = str(o['ClientHost']);
  const addr = str(o['ClientAddr']);
  if (addr) acc.ipFallback = stripPort(addr);
  acc.user = str(o['ClientUsername']);
  acc.method = str(o['RequestMethod']);
  acc.target = str(o['RequestPath']);
  acc.version = str(o['RequestProtocol']);
  acc.host = str(o['RequestHost']) ?? str(o['RequestAddr']);
  acc.status = num(o['DownstreamStatus']) ?? num(o['OriginStatus']);
  acc.scBytes = num(o['DownstreamContentSize']);
  acc.csBytes = num(o['RequestContentSize']);
  const ns = num(o['Duration']);
  acc.timeTaken = ns === undefined ? undefined : Math.round(ns / 1e3) / 1e3;
  acc.timeFrom(o['StartUTC'] ?? o['StartLocal'] ?? o['time']);
  for (const k in o) {
    if (k.startsWith('request_')) acc.header(k.slice(8), o[k]);
    else if (k.startsWith('downstream_')) acc.extra('sc-' + k.slice(11).toLowerCase(), str(o[k]));
  }
  acc.extra('x-router', str(o['RouterName']));
  acc.extra('upstream-addr', str(o['ServiceAddr']));
  if (acc.method === undefined && acc.target === undefined)
    return new LineError('Traefik log line without a request');
  return undefined;
}

// ---------------------------------------------------------------- Envoy

function envoy(o: Obj, acc: Acc): LineError | undefined {
  generic(o, acc);
  // Envoy's own keys, whose units the generic map cannot know: %DURATION% is milliseconds.
  const d = num(o['duration']);
  if (d !== undefined) acc.timeTaken = d;
  const rc = num(o['response_code']);
  // 0 means no response was sent (reset, timeout before headers).
  if (rc !== undefined) acc.status = rc === 0 ? undefined : rc;
  acc.extra('envoy-response-flags', str(o['response_flags']));
  acc.extra('upstream-addr', str(o['upstream_host']));
  if (acc.method === undefined && acc.target === undefined)
    return new LineError('Envoy log line without a request');
  return undefined;
}

// ---------------------------------------------------------------- generic key map

type Slot = (acc: Acc, v: unknown, key: string) => void;

const setters: Record<string, Slot> = {};
function keys(names: string, slot: Slot): void {
  for (const n of names.split(' ')) setters[n] = slot;
}
keys(
  'remoteaddr remoteip clientip clientaddr clientaddress clienthost ip srcip sourceip sourceaddress',
  (a, v) => {
    const s = str(v);
    a.ip ??= s === undefined ? undefined : stripPort(s);
  },
);
keys(
  'realip xrealip httpxrealip downstreamremoteaddress remotehost client cip downstreamdirectremoteaddress',
  (a, v) => {
    const s = str(v);
    a.ipFallback ??= s === undefined ? undefined : stripPort(s);
  },
);
keys('remoteuser user username csusername userid clientusername username', (a, v) => {
  a.user ??= str(v) || undefined;
});
keys('requestmethod method httpmethod verb httprequestmethod csmethod', (a, v) => {
  a.method ??= str(v);
});
keys(
  'requesturi uri url urloriginal csuri curi requesttarget rawurl fullurl path requestpath originalpath',
  (a, v) => {
    a.target ??= str(v);
  },
);
keys('urlpath csuristem documenturi', (a, v) => {
  a.path ??= str(v);
});
keys('args querystring query urlquery', (a, v) => {
  const s = str(v);
  a.query ??= s?.startsWith('?') ? s.slice(1) : s;
});
keys('request requestline req', (a, v) => {
  const s = str(v);
  if (s) a.requestLine(s);
});
keys(
  'status statuscode responsecode responsestatus httpresponsestatuscode scstatus httpstatus responsestatuscode',
  (a, v) => {
    a.status ??= num(v);
  },
);
keys(
  'bytessent size responsesize responsebytes httpresponsebytes scbytes responselength bytesout',
  (a, v) => {
    a.scBytes ??= num(v);
  },
);
keys('bodybytessent httpresponsebodybytes bodysize responsebodysize', (a, v) => {
  a.scBodyBytes ??= num(v);
});
keys('requestlength bytesreceived requestsize httprequestbytes csbytes bytesread bytesin', (a, v) => {
  a.csBytes ??= num(v);
});
keys('httpuseragent useragent ua useragentoriginal csuseragent cuseragent requestuseragent agent', (a, v) => {
  a.userAgent ??= str(v);
});
keys('httpreferer referer referrer httprequestreferrer csreferer requestreferer', (a, v) => {
  a.referer ??= str(v);
});
keys('host httphost vhost authority requesthost urldomain cshost domain', (a, v) => {
  a.host ??= str(v);
});
keys('servername', (a, v) => {
  a.hostFallback ??= str(v);
});
keys('serverprotocol protocol proto httpversion csversion requestprotocol', (a, v) => {
  const s = str(v);
  // ECS http.version is "1.1"; Sigma wants the protocol as sent.
  a.version ??= s && /^\d/.test(s) ? `HTTP/${s}` : s;
});
keys('httpxforwardedfor xforwardedfor forwardedfor proxyaddxforwardedfor', (a, v) =>
  a.extra('cs-x-forwarded-for', str(v)),
);
keys('requesttime durationseconds responsetimeseconds latencyseconds', (a, v) => {
  a.timeTaken ??= secondsToMs(v);
});
keys('timetaken durationms latencyms responsetimems elapsedms', (a, v) => {
  a.timeTaken ??= num(v);
});
keys('eventduration durationns durationnanos', (a, v) => {
  const n = num(v);
  a.timeTaken ??= n === undefined ? undefined : Math.round(n / 1e3) / 1e3;
});
keys('duration responsetime latency elapsed', (a, v) => {
  // Unit unknown: Go duration text has one; a fraction means seconds (nginx $request_time); else ms.
  if (typeof v === 'string' && /[a-zµμ]$/.test(v)) a.timeTaken ??= goDurationMs(v);
  else if (typeof v === 'string' ? v.includes('.') : !Number.isInteger(v)) a.timeTaken ??= secondsToMs(v);
  else a.timeTaken ??= num(v);
});
keys(
  'timeiso8601 timelocal time timestamp ts datetime msec starttime startutc eventcreated logtime eventtime',
  (a, v) => a.timeFrom(v),
);

function normKey(k: string): string {
  return k.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function generic(o: Obj, acc: Acc, prefix = ''): void {
  for (const k in o) {
    const v = o[k];
    if (v === null || v === undefined) continue;
    const path = prefix + normKey(k);
    if (typeof v === 'object') {
      if (Array.isArray(v)) continue;
      // Caddy-style header maps and ECS nesting (`http.request.method`): walk with the path as prefix.
      if (path === 'headers' || path === 'requestheaders') {
        for (const [h, hv] of Object.entries(v as Obj)) acc.header(h, Array.isArray(hv) ? hv.join(', ') : hv);
        continue;
      }
      generic(v as Obj, acc, path);
      continue;
    }
    const set = setters[path] ?? (prefix ? setters[normKey(k)] : undefined);
    if (set) set(acc, v, k);
  }
}

function genericMapped(o: Obj, acc: Acc): LineError | undefined {
  generic(o, acc);
  if (acc.method === undefined && acc.target === undefined && acc.path === undefined)
    return new LineError('JSON object has no recognisable request fields (method, uri, request)');
  return undefined;
}

// ---------------------------------------------------------------- Sigma field names

/** Keys that mark a JSON line as already using Sigma webserver/proxy field names. */
export const SIGMA_KEYS = [
  'c-ip',
  'cs-method',
  'cs-uri-query',
  'cs-uri-stem',
  'sc-status',
  'cs-uri',
  'c-uri',
  'cs-host',
];

const CANONICAL = new Set([
  'c-ip',
  'src_ip',
  'cs-username',
  'cs-method',
  'cs-uri-stem',
  'cs-uri-query',
  'cs-uri',
  'c-uri',
  'c-uri-stem',
  'c-uri-query',
  'c-uri-extension',
  'cs-version',
  'sc-status',
  'sc-bytes',
  'cs-bytes',
  'cs-user-agent',
  'c-useragent',
  'cs-referer',
  'cs-referrer',
  'cs-host',
  'time-taken',
  '@timestamp',
  '_time',
  '_raw',
  '_line',
  '_offset',
  '_source',
]);

function looksLikeTarget(v: string): boolean {
  return v.startsWith('/') || v.startsWith('*') || /^[a-z][a-z0-9+.-]*:\/\//i.test(v);
}

/** A line keyed by Sigma names (ours or another tool's): kept verbatim, aliases and derived fields filled. */
export function sigmaEvent(o: Obj, line: string, ref: Readonly<LineRef>): WebserverEvent | LineError {
  const stem = str(o['cs-uri-stem']) ?? str(o['c-uri-stem']);
  const q = str(o['cs-uri-query']) ?? str(o['c-uri-query']);
  // W3C tools put only the query in cs-uri-query; ours holds the full target. Tell them apart by shape.
  let target: string | undefined;
  if (q !== undefined && looksLikeTarget(q)) target = q;
  else if (stem !== undefined) target = q ? `${stem}?${q.replace(/^\?/, '')}` : stem;
  else target = str(o['cs-uri']) ?? str(o['c-uri']) ?? q;
  const t = o['@timestamp'] ?? o['_time'] ?? o['timestamp'] ?? joinDateTime(o['date'], o['time']);
  const ev = makeEvent(
    str(o['c-ip']) ?? str(o['src_ip']),
    str(o['cs-username']),
    str(o['cs-method']),
    target,
    str(o['cs-version']),
    num(o['sc-status']),
    num(o['sc-bytes']),
    num(o['cs-bytes']),
    str(o['cs-referer']) ?? str(o['cs-referrer']),
    str(o['cs-user-agent']) ?? str(o['c-useragent']),
    str(o['cs-host']) ?? str(o['r-dns']),
    num(o['time-taken']),
    timeOrUndefined(parseAnyTime(t)),
    line,
    ref,
  );
  if (ev['cs-method'] === undefined && target === undefined && ev['c-ip'] === undefined)
    return new LineError('JSON object has no Sigma request fields');
  const extras: Obj = {};
  let any = false;
  for (const k in o) {
    if (CANONICAL.has(k)) continue;
    const v = o[k];
    if (v === null || typeof v === 'object') continue;
    extras[k] = v;
    any = true;
  }
  return any ? Object.assign(ev, extras) : ev;
}

function joinDateTime(d: unknown, t: unknown): string | undefined {
  return typeof d === 'string' && typeof t === 'string' ? `${d}T${t}Z` : undefined;
}

// ---------------------------------------------------------------- flavours

/** Which JSON flavour one parsed line looks like. */
export function jsonFlavorOf(o: Obj): JsonFlavor {
  if ('x-mcpward-action' in o) return 'mcpward';
  for (const k of SIGMA_KEYS) if (k in o) return 'sigma-json';
  if (typeof o['logger'] === 'string' && o['logger'].startsWith('http.log.access')) return 'caddy';
  const r = obj(o['request']);
  if (r && ('remote_ip' in r || 'client_ip' in r) && 'uri' in r) return 'caddy';
  if ('ClientHost' in o || 'RequestMethod' in o || 'DownstreamStatus' in o) return 'traefik';
  if ('response_code' in o || 'downstream_remote_address' in o || ('start_time' in o && 'authority' in o))
    return 'envoy';
  return 'json';
}

const MAPPERS: Record<'caddy' | 'traefik' | 'envoy' | 'json', (o: Obj, acc: Acc) => LineError | undefined> = {
  caddy,
  traefik,
  envoy,
  json: genericMapped,
};

function parseAs(
  flavor: JsonFlavor,
  o: Obj,
  line: string,
  ref: Readonly<LineRef>,
): WebserverEvent | LineError {
  if (flavor === 'sigma-json' || flavor === 'mcpward') return sigmaEvent(o, line, ref);
  const acc = new Acc();
  const err = MAPPERS[flavor](o, acc);
  return err ?? acc.toEvent(line, ref);
}

/** A parser for one flavour; `json` recognises the flavour per line and falls back to the key map. */
export function jsonParser(flavor: JsonFlavor): LineParser {
  return (line, ref = NO_REF) => {
    const o = parseObject(line);
    if (o instanceof LineError) return o;
    return parseAs(flavor === 'json' ? jsonFlavorOf(o) : flavor, o, line, ref);
  };
}

export const parseCaddy = jsonParser('caddy');
export const parseTraefik = jsonParser('traefik');
export const parseEnvoy = jsonParser('envoy');
export const parseSigmaJson = jsonParser('sigma-json');
export const parseJson = jsonParser('json');
