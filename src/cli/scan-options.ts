import { type Command, InvalidArgumentError } from 'commander';
import { type KnowledgeBase, loadKnowledgeBase } from '../disclosure/load.js';
import { loadAdvisoryDb } from '../intel/advisory-db.js';
import { advisoryEnricher } from '../intel/enrich.js';
import { inShard, parseShard } from '../intel/shard.js';
import { DEFAULT_USER_AGENT, type ScanOptions } from '../scan/scanner.js';
import type { ScanTarget } from '../scan/targets.js';
import { UserError } from '../util/errors.js';
import { collect, parseDuration, parsePositiveInt } from './common.js';
import { parsePorts, targetSource } from './targets-input.js';

/** `50`, `50/s`, `600/m` → requests per second. */
export function parseRate(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(?:\/\s*(s|m|h))?$/.exec(value.trim());
  if (!m || Number(m[1]) <= 0) throw new InvalidArgumentError('use a rate like 50, 50/s or 600/m');
  return Number(m[1]) / { s: 1, m: 60, h: 3600 }[(m[2] ?? 's') as 's'];
}

function parseHeader(value: string, previous: [string, string][] = []): [string, string][] {
  const i = value.indexOf(':');
  if (i <= 0) throw new InvalidArgumentError(`expected "Name: value", got "${value}"`);
  const name = value.slice(0, i).trim();
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
    throw new InvalidArgumentError(`not a header name: "${name}"`);
  return [...previous, [name, value.slice(i + 1).trim()]];
}

/** The flags every scanning command (`scan`, `fleet scan`) shares. */
export interface ScanFlags {
  input: string[];
  concurrency: number;
  rate?: number;
  timeout: number;
  paths: string[];
  ports?: string;
  header: [string, string][];
  userAgent: string;
  signatures: string[];
  maxRequests: number;
  maxBody: number;
  maxAddresses: number;
  insecure: boolean;
  advisories: boolean;
  dataDir?: string;
  shard?: string;
  progress: boolean;
}

export function addScanOptions(cmd: Command): Command {
  return cmd
    .argument('[targets...]', 'URLs (http://host:port/path), host:port, hosts or IPv4 CIDR ranges')
    .option(
      '-i, --input <file>',
      'read targets from a file, one per line (- for stdin); repeatable',
      collect,
      [],
    )
    .option(
      '-c, --concurrency <n>',
      'targets scanned at once',
      parsePositiveInt('--concurrency', 1, 4096),
      32,
    )
    .option('-r, --rate <n/s>', 'requests per second across the scan (50, 50/s, 600/m)', parseRate)
    .option('-t, --timeout <duration>', 'per-request timeout (ms, or 5s)', parseDuration, 5000)
    .option('--paths <path>', 'extra paths to probe as version endpoints; repeatable', collect, [])
    .option('-p, --ports <list>', 'ports for bare hosts and CIDR ranges (default: the MCP port list)')
    .option('-H, --header <header>', 'extra request header "Name: value"; repeatable', parseHeader, [])
    .option('-A, --user-agent <ua>', 'User-Agent to send', DEFAULT_USER_AGENT)
    .option(
      '--signatures <path>',
      'extra signature file or directory (data/signatures format); repeatable',
      collect,
      [],
    )
    .option(
      '--max-requests <n>',
      'requests sent to one target at most',
      parsePositiveInt('--max-requests', 10, 10_000),
      100,
    )
    .option(
      '--max-body <bytes>',
      'bytes of any response body read',
      parsePositiveInt('--max-body', 1024, 16 * 1024 * 1024),
      65_536,
    )
    .option(
      '--max-addresses <n>',
      'largest CIDR range accepted',
      parsePositiveInt('--max-addresses', 1, 16_777_216),
      65_536,
    )
    .option(
      '--shard <i/n>',
      'scan only shard i of n of the target list (deterministic, for several machines)',
    )
    .option('-k, --insecure', 'accept self-signed TLS certificates', false)
    .option('--no-advisories', 'do not match disclosed versions to known advisories')
    .option(
      '--data-dir <dir>',
      'where imported advisories live (default: $MCPWARD_HOME or ~/.local/share/mcpward)',
    )
    .option('--no-progress', 'no progress bar on stderr');
}

export interface PreparedScan {
  kb: KnowledgeBase;
  /** Walks the (deduplicated, sharded) targets; call again to walk them again. */
  targets: () => Generator<ScanTarget>;
  total: number;
  options: Partial<ScanOptions>;
}

/** Reads and validates every target (before the first request) and builds the scan options. */
export function prepareScan(positional: string[], flags: ScanFlags): PreparedScan {
  const kb = loadKnowledgeBase(flags.signatures);
  const ports = flags.ports ? parsePorts(flags.ports) : kb.mcp.ports;
  for (const p of flags.paths)
    if (!p.startsWith('/')) throw new UserError(`paths start with /: "${p}"`, '--paths');
  const shard = flags.shard ? parseShard(flags.shard) : undefined;
  const all = targetSource(positional, flags.input, { ports, maxAddresses: flags.maxAddresses });
  const targets = shard
    ? function* () {
        for (const t of all()) if (inShard(t.url, shard)) yield t;
      }
    : all;
  let total = 0;
  for (const _ of targets()) total++;
  if (total === 0 && !shard)
    throw new UserError('no targets: give URLs or hosts, or -i FILE (- for stdin)', 'scan');
  const options: Partial<ScanOptions> = {
    kb,
    concurrency: flags.concurrency,
    timeoutMs: flags.timeout,
    maxBodyBytes: flags.maxBody,
    maxRequests: flags.maxRequests,
    userAgent: flags.userAgent,
    headers: flags.header,
    insecure: flags.insecure,
    extraPaths: flags.paths,
    advisories: flags.advisories,
    ...(flags.rate ? { rate: flags.rate } : {}),
    ...(flags.advisories
      ? { enrich: advisoryEnricher({ db: loadAdvisoryDb(flags.dataDir ? { dataDir: flags.dataDir } : {}) }) }
      : {}),
  };
  return { kb, targets, total, options };
}
