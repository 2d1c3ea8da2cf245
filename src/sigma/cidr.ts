/**
 * The `cidr` modifier: IPv4 and IPv6 networks. Hand-parsed rather than node:net's BlockList because
 * the check runs per event and a JS parse of a dotted quad is several times cheaper than a native
 * call; node:net.isIP validates rule values at load time.
 */
import { isIP } from 'node:net';

export interface Cidr {
  readonly v6: boolean;
  /** Network address, masked: one word for IPv4, four for IPv6. */
  readonly words: readonly number[];
  readonly prefix: number;
}

/** Parses `10.0.0.0/8`, `fe80::/10` or a bare address; undefined when invalid. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text.trim() : text.slice(0, slash).trim();
  const family = isIP(addr);
  if (family === 0) return undefined;
  const v6 = family === 6;
  const max = v6 ? 128 : 32;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1).trim();
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  const words = v6 ? parseIPv6(addr) : [parseIPv4(addr)];
  if (!words || words[0] === -1) return undefined;
  return { v6, prefix, words: maskWords(words, prefix) };
}

function maskWords(words: readonly number[], prefix: number): number[] {
  return words.map((w, i) => {
    const bits = Math.max(0, Math.min(32, prefix - i * 32));
    return bits === 0 ? 0 : bits === 32 ? w >>> 0 : (w & (0xffffffff << (32 - bits))) >>> 0;
  });
}

/** Dotted quad to uint32, or -1. */
export function parseIPv4(s: string, from = 0, to = s.length): number {
  let out = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      out = out * 256 + part;
      part = 0;
      digits = 0;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return out * 256 + part;
}

/** IPv6 text (with `::`, an embedded IPv4 tail or a `%zone`) to four uint32 words. */
export function parseIPv6(s: string): number[] | undefined {
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) >= 0) {
    // An IPv4 tail (::ffff:10.0.0.1) becomes the two hex groups it stands for.
    const v4 = parseIPv4(s, lastColon + 1);
    if (v4 < 0) return undefined;
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const dbl = s.indexOf('::');
  const parseGroups = (t: string) =>
    t === ''
      ? []
      : t.split(':').map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? Number.parseInt(g, 16) : Number.NaN));
  let groups: number[];
  if (dbl >= 0) {
    const head = parseGroups(s.slice(0, dbl));
    const rest = parseGroups(s.slice(dbl + 2));
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    groups = parseGroups(s);
  }
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) return undefined;
  const w: number[] = [];
  for (let i = 0; i < 8; i += 2) w.push(((groups[i]! << 16) | groups[i + 1]!) >>> 0);
  return w;
}

function inNet(words: readonly number[], net: Cidr): boolean {
  for (let i = 0; i < net.words.length; i++) {
    const bits = net.prefix - i * 32;
    if (bits <= 0) return true;
    const mask = bits >= 32 ? 0xffffffff : 0xffffffff << (32 - bits);
    if ((words[i]! & mask) >>> 0 !== net.words[i]) return false;
  }
  return true;
}

/**
 * A matcher for a list of networks. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, what Node reports
 * for IPv4 clients on a dual-stack socket) also match IPv4 networks, and IPv4 addresses match
 * `::ffff:0:0/96`-style IPv6 networks.
 */
export function cidrMatcher(nets: readonly Cidr[]): (ip: string) => boolean {
  const v4 = nets.filter((n) => !n.v6);
  const v6 = nets.filter((n) => n.v6);
  return (ip: string) => {
    const a = parseIPv4(ip);
    if (a >= 0) {
      const w = [a >>> 0];
      for (const n of v4) if (inNet(w, n)) return true;
      if (v6.length) {
        const m = [0, 0, 0xffff, a >>> 0];
        for (const n of v6) if (inNet(m, n)) return true;
      }
      return false;
    }
    if (ip.indexOf(':') < 0) return false;
    const w6 = parseIPv6(ip);
    if (!w6) return false;
    for (const n of v6) if (inNet(w6, n)) return true;
    if (v4.length && w6[0] === 0 && w6[1] === 0 && w6[2] === 0xffff) {
      const w = [w6[3]!];
      for (const n of v4) if (inNet(w, n)) return true;
    }
    return false;
  };
}
