import { isIPv4, isIPv6 } from 'node:net';
import { UserError } from '../util/errors.js';

export interface ScanTarget {
  /** What is scanned: origin plus the path the user gave, e.g. `http://10.0.0.5:8080/custom/mcp`. */
  url: string;
  /** scheme://host:port */
  origin: string;
  /** The path the user gave, if any (tried first as the MCP endpoint). */
  path?: string;
  /** Where the target was read from, for reports (SARIF locations). */
  source?: { file?: string; line?: number };
}

export interface ExpandOptions {
  /** Ports for bare hosts and CIDR ranges. */
  ports: readonly number[];
  /** Largest CIDR expansion accepted (addresses). */
  maxAddresses?: number;
}

const HTTPS_PORTS = new Set([443, 8443]);

function originOf(host: string, port: number, scheme?: string): string {
  const s = scheme ?? (HTTPS_PORTS.has(port) ? 'https' : 'http');
  const h = isIPv6(host) ? `[${host}]` : host;
  const defaultPort = (s === 'http' && port === 80) || (s === 'https' && port === 443);
  return `${s}://${h}${defaultPort ? '' : `:${port}`}`;
}

function target(origin: string, path: string | undefined, source: ScanTarget['source']): ScanTarget {
  const t: ScanTarget = { url: origin + (path ?? ''), origin };
  if (path) t.path = path;
  if (source) t.source = source;
  return t;
}

const HOST_RE =
  /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.?$/i;

function validHost(h: string): boolean {
  return isIPv4(h) || isIPv6(h) || HOST_RE.test(h);
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}
function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * Expands one target spec into targets: a URL (with or without a path), `host:port`, `[v6]:port`,
 * a bare host or IP (every port in `ports`), or an IPv4 CIDR range (every address × every port;
 * network and broadcast addresses are skipped for prefixes shorter than /31).
 * Throws a UserError naming `where` for anything it cannot read.
 */
export function* expandTarget(
  spec: string,
  opts: ExpandOptions,
  source?: ScanTarget['source'],
): Generator<ScanTarget> {
  const where = source?.file ? `${source.file}:${source.line}` : 'target';
  const s = spec.trim();
  const bad = (why: string) => new UserError(`${why}: "${s}"`, where);
  if (!s) throw bad('empty target');

  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw bad('not a valid URL');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw bad('only http and https URLs can be scanned');
    if (u.username || u.password) throw bad('credentials in target URLs are not supported (use -H)');
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (!validHost(host)) throw bad('not a valid host');
    const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
    const path = u.pathname !== '/' || u.search ? u.pathname + u.search : undefined;
    yield target(originOf(host, port, u.protocol.slice(0, -1)), path, source);
    return;
  }

  const cidr = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(s);
  if (cidr) {
    const [, ip, bitsText] = cidr;
    const bits = Number(bitsText);
    if (!isIPv4(ip!) || bits > 32) throw bad('not a valid CIDR range');
    const size = 2 ** (32 - bits);
    const max = opts.maxAddresses ?? 65_536;
    if (size > max)
      throw bad(`CIDR range has ${size} addresses, more than the limit of ${max} (--max-addresses)`);
    const base = ipv4ToInt(ip!) & (bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0);
    const first = bits < 31 ? 1 : 0;
    const last = bits < 31 ? size - 2 : size - 1;
    for (let i = first; i <= last; i++) {
      const addr = intToIpv4((base + i) >>> 0);
      for (const port of opts.ports) yield target(originOf(addr, port), undefined, source);
    }
    return;
  }
  if (s.includes('/') && !s.startsWith('[')) throw bad('not a URL, host, host:port or IPv4 CIDR range');

  const v6port = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6port) {
    if (!isIPv6(v6port[1]!)) throw bad('not a valid IPv6 address');
    if (v6port[2] === undefined) {
      for (const port of opts.ports) yield target(originOf(v6port[1]!, port), undefined, source);
    } else yield target(originOf(v6port[1]!, parsePort(v6port[2], bad)), undefined, source);
    return;
  }
  if (isIPv6(s)) {
    for (const port of opts.ports) yield target(originOf(s, port), undefined, source);
    return;
  }
  const hp = /^([^:]+):(\d+)$/.exec(s);
  if (hp) {
    if (!validHost(hp[1]!)) throw bad('not a valid host');
    yield target(originOf(hp[1]!, parsePort(hp[2]!, bad)), undefined, source);
    return;
  }
  if (!validHost(s)) throw bad('not a URL, host, host:port or IPv4 CIDR range');
  for (const port of opts.ports) yield target(originOf(s, port), undefined, source);
}

function parsePort(text: string, bad: (why: string) => UserError): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad('port out of range');
  return port;
}

/** Drops targets already seen (same URL), keeping the first one's source. */
export function* dedupe(targets: Iterable<ScanTarget>): Generator<ScanTarget> {
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(t.url)) continue;
    seen.add(t.url);
    yield t;
  }
}

/** A target list file: one spec per line, `#` comments, blank lines ignored. */
export function* parseTargetLines(text: string, file: string, opts: ExpandOptions): Generator<ScanTarget> {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\s+#.*$/, '').trim();
    if (!line || line.startsWith('#')) continue;
    yield* expandTarget(line, opts, { file, line: i + 1 });
  }
}
