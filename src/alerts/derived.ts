/**
 * Fields the detector adds to events, derived from what the log carries:
 *
 *   c-net   the client's network: `a.b.c.0/24` for IPv4 (also IPv4-mapped IPv6), the /64 prefix
 *           `2001:db8:1:2::/64` for IPv6. Lets correlations group distributed enumeration from one
 *           network (several addresses, each under the per-source thresholds).
 */
import { isIPv6 } from 'node:net';

export const DERIVED_FIELDS: readonly string[] = ['c-net'];

const netCache = new Map<string, string | undefined>();

/** The /24 (IPv4) or /64 (IPv6) network of an address, or undefined for anything else. */
export function networkOf(ip: unknown): string | undefined {
  if (typeof ip !== 'string' || ip.length === 0) return undefined;
  const v4 = ip.startsWith('::ffff:') && ip.indexOf('.') !== -1 ? ip.slice(7) : ip;
  const last = ipv4LastDot(v4);
  if (last > 0) return `${v4.slice(0, last)}.0/24`;
  if (ip.indexOf(':') === -1) return undefined;
  const hit = netCache.get(ip);
  if (hit !== undefined || netCache.has(ip)) return hit;
  const net = v6Network(ip);
  if (netCache.size > 10_000) netCache.clear();
  netCache.set(ip, net);
  return net;
}

/** Index of the last dot of a dotted-quad IPv4 address (`1.2.3.4`), or -1 when it is not one. */
function ipv4LastDot(s: string): number {
  let dots = 0;
  let digits = 0;
  let last = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0) return -1;
      dots++;
      digits = 0;
      last = i;
    } else if (c >= 48 && c <= 57) {
      if (++digits > 3) return -1;
    } else return -1;
  }
  return dots === 3 && digits > 0 ? last : -1;
}

function v6Network(ip: string): string | undefined {
  const bare = ip.split('%')[0]!;
  if (!isIPv6(bare)) return undefined;
  const [head, tail] = bare.includes('::') ? bare.split('::') : [bare, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  // An embedded IPv4 tail counts as two groups.
  const groups = (xs: string[]) => xs.reduce((n, x) => n + (x.includes('.') ? 2 : 1), 0);
  const missing = tail === undefined ? 0 : 8 - groups(h) - groups(t);
  const full = [...h, ...Array.from({ length: missing }, () => '0'), ...t];
  const first = full.slice(0, 4).map((g) => Number.parseInt(g, 16).toString(16));
  return `${first.join(':')}::/64`;
}

/** Adds the derived fields to an event (in place). */
export function addDerivedFields(ev: Record<string, unknown>): void {
  ev['c-net'] = networkOf(ev['c-ip']);
}
