import { BlockList, isIP } from 'node:net';
import { UserError } from '../util/errors.js';

/** A set of addresses and CIDR ranges (node's BlockList), IPv4-mapped IPv6 addresses included. */
export class AddressSet {
  private readonly list = new BlockList();

  constructor(entries: readonly string[], where: string) {
    entries.forEach((raw, i) => {
      const [addr, bits] = raw.trim().split('/');
      const family = isIP(addr ?? '');
      if (!family) throw new UserError(`not an IP address: ${raw}`, `${where}[${i}]`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.list.addAddress(addr!, type);
      else {
        const n = Number(bits);
        if (!Number.isInteger(n) || n < 0 || n > (family === 4 ? 32 : 128))
          throw new UserError(`bad prefix length in ${raw}`, `${where}[${i}]`);
        this.list.addSubnet(addr!, n, type);
      }
    });
  }

  has(ip: string): boolean {
    const addr = unmapIPv4(ip);
    const family = isIP(addr);
    if (!family) return false;
    return this.list.check(addr, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** `::ffff:127.0.0.1` → `127.0.0.1` (how dual-stack sockets report IPv4 peers). */
export function unmapIPv4(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}
