/**
 * Detection configuration (`--config detect.yaml`, and guard's detection settings): allowlists, the
 * server's own host names, rules to turn off, alert windows and extra placeholder values. Validated with
 * zod; a bad key is a UserError naming the file and the key.
 *
 *   allow:
 *     cidrs: [10.20.0.0/16, 2001:db8::/32]   # addresses whose requests never alert
 *     userAgents: ['Checkly/*', my-monitor]    # Sigma wildcards; without * a substring
 *     paths: [/internal/health, '/admin/*']    # request paths (cs-uri-stem); wildcards allowed
 *   hosts: [mcp.example.com]                   # enables the foreign-Host rule for other names
 *   rules:
 *     disable: [<rule or filter id, name or title>]
 *   alerts:
 *     window: 1h        # one alert per single-event rule and source per window
 *     samples: 5        # log lines kept per alert
 *     uris: 20          # distinct URIs listed per alert
 *   placeholders:
 *     my_paths: ['/x', '/y']                   # values for %my_paths% in your own rules
 */
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { UserError } from '../util/errors.js';
import { parseWith, parseYaml, readTextFile } from '../util/validate.js';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `10m`, `1h`, `1d` (or a number of milliseconds) → milliseconds. */
export function parseDurationText(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? v : undefined;
  const m = DURATION.exec(v.trim());
  if (!m) return undefined;
  const ms = Math.round(Number(m[1]) * UNIT[m[2]!]!);
  return ms > 0 ? ms : undefined;
}

/** True for `a.b.c.d/n`, `v6::/n` and bare addresses. */
export function isCidr(s: string): boolean {
  const slash = s.indexOf('/');
  const addr = slash === -1 ? s : s.slice(0, slash);
  const kind = isIP(addr);
  if (kind === 0) return false;
  if (slash === -1) return true;
  const bits = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return false;
  const n = Number(bits);
  if (n > (kind === 4 ? 32 : 128)) return false;
  try {
    new BlockList().addSubnet(addr, n, kind === 4 ? 'ipv4' : 'ipv6');
    return true;
  } catch {
    return false;
  }
}

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDurationText(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a duration: ${JSON.stringify(v)} (use 30s, 10m, 1h, 1d)` });
    return z.NEVER;
  }
  return ms;
});

const nonEmpty = (what: string) =>
  z.string({ error: `each ${what} must be a string` }).min(1, { error: `empty ${what}` });

const cidr = nonEmpty('network').refine(isCidr, {
  error: (iss) => `not an address or CIDR network: ${JSON.stringify(iss.input)}`,
});

const path = nonEmpty('path').refine((p) => p.startsWith('/') || p.startsWith('*'), {
  error: (iss) => `paths start with / (or a * wildcard): ${JSON.stringify(iss.input)}`,
});

const host = nonEmpty('host name').refine((h) => !/[\s/]/.test(h), {
  error: (iss) => `not a host name: ${JSON.stringify(iss.input)}`,
});

/** A map that rejects unknown keys, naming the key and the ones it knows. */
function strict<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `unknown key ${iss.keys.map((k) => `'${k}'`).join(', ')} (known: ${known})`
        : undefined,
  });
}

export const allowSchema = strict({
  cidrs: z.array(cidr).default([]),
  userAgents: z.array(nonEmpty('user agent')).default([]),
  paths: z.array(path).default([]),
});

export const detectConfigSchema = strict({
  allow: allowSchema.default({ cidrs: [], userAgents: [], paths: [] }),
  hosts: z.array(host).default([]),
  rules: strict({ disable: z.array(nonEmpty('rule reference')).default([]) }).default({ disable: [] }),
  alerts: strict({
    window: duration.default(3_600_000),
    samples: z.number().int().min(1).max(100).default(5),
    uris: z.number().int().min(1).max(1000).default(20),
  }).default({ window: 3_600_000, samples: 5, uris: 20 }),
  placeholders: z
    .record(
      z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: 'placeholder names are letters, digits, _ . -' }),
      z.array(z.string()),
    )
    .default({}),
});

export type AllowList = z.infer<typeof allowSchema>;
export type DetectConfig = z.infer<typeof detectConfigSchema>;

export function defaultDetectConfig(): DetectConfig {
  return detectConfigSchema.parse({});
}

/** Validates an already-parsed config object (a guard config section, a test). */
export function parseDetectConfig(value: unknown, where: string): DetectConfig {
  return parseWith(detectConfigSchema, value ?? {}, where);
}

/** Reads and validates a detect.yaml. */
export function loadDetectConfig(file: string): DetectConfig {
  return parseDetectConfig(parseYaml(readTextFile(file), file), file);
}

/**
 * One `--allow` value: `cidr:`, `ua:` or `path:` prefixed, or guessed: an address or CIDR network, a
 * path starting with `/`, otherwise a User-Agent.
 */
export function parseAllowValue(value: string): { kind: keyof AllowList; value: string } {
  const m = /^(cidr|ip|ua|user-agent|path):(.*)$/i.exec(value);
  const [kind, v] = m ? [m[1]!.toLowerCase(), m[2]!] : [undefined, value];
  if (v === '') throw new UserError('empty value', '--allow');
  if (kind === 'cidr' || kind === 'ip' || (kind === undefined && isCidr(v))) {
    if (!isCidr(v)) throw new UserError(`not an address or CIDR network: ${v}`, '--allow');
    return { kind: 'cidrs', value: v };
  }
  if (kind === 'path' || (kind === undefined && v.startsWith('/'))) {
    if (!v.startsWith('/') && !v.startsWith('*')) throw new UserError(`paths start with /: ${v}`, '--allow');
    return { kind: 'paths', value: v };
  }
  return { kind: 'userAgents', value: v };
}

/** The config with `--allow` values added to its allowlists. */
export function withAllowValues(config: DetectConfig, values: readonly string[]): DetectConfig {
  if (values.length === 0) return config;
  const allow: AllowList = {
    cidrs: [...config.allow.cidrs],
    userAgents: [...config.allow.userAgents],
    paths: [...config.allow.paths],
  };
  for (const v of values) {
    const a = parseAllowValue(v);
    allow[a.kind].push(a.value);
  }
  return { ...config, allow };
}
