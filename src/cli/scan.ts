import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { loadKnowledgeBase } from '../disclosure/load.js';
import { loadAdvisoryDb } from '../intel/advisory-db.js';
import { advisoryEnricher } from '../intel/enrich.js';
import { atLeast, type Severity } from '../report/model.js';
import { Progress } from '../report/progress.js';
import { SCAN_FORMATS, type ScanFormat, scanReporter } from '../report/scan-report.js';
import { DEFAULT_USER_AGENT, scanTargets } from '../scan/scanner.js';
import { UserError } from '../util/errors.js';
import {
  collect,
  EXIT,
  openOutput,
  parseDuration,
  parsePositiveInt,
  parseSeverity,
  write,
} from './common.js';
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

interface ScanFlags {
  input: string[];
  format: ScanFormat;
  output?: string;
  concurrency: number;
  rate?: number;
  timeout: number;
  paths: string[];
  ports?: string;
  header: [string, string][];
  userAgent: string;
  failOn?: Severity;
  severity: Severity;
  signatures: string[];
  maxRequests: number;
  maxBody: number;
  maxAddresses: number;
  insecure: boolean;
  advisories: boolean;
  dataDir?: string;
  progress: boolean;
  color: boolean;
}

export function register(program: Command): void {
  program
    .command('scan')
    .description(
      'Probe MCP servers the way an attacker would and report every version disclosure (SAFE-T1604).',
    )
    .argument('[targets...]', 'URLs (http://host:port/path), host:port, hosts or IPv4 CIDR ranges')
    .option(
      '-i, --input <file>',
      'read targets from a file, one per line (- for stdin); repeatable',
      collect,
      [],
    )
    .addOption(new Option('-f, --format <format>', 'output format').choices(SCAN_FORMATS).default('table'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
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
      '--fail-on <severity>',
      'exit 1 if a finding is at or above: info, low, medium, high, critical, none',
      parseSeverity,
    )
    .option('-s, --severity <level>', 'table: show findings at or above this severity', parseSeverity, 'info')
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
    .option('-k, --insecure', 'accept self-signed TLS certificates', false)
    .option('--no-advisories', 'do not match disclosed versions to known advisories')
    .option(
      '--data-dir <dir>',
      'where imported advisories live (default: $MCPWARD_HOME or ~/.local/share/mcpward)',
    )
    .option('--no-progress', 'no progress bar on stderr')
    .option('--no-color', 'no colour in the table')
    .addHelpText(
      'after',
      `
Examples:
  mcpward scan http://127.0.0.1:3000/mcp
  mcpward scan -i hosts.txt --format jsonl -o results.jsonl
  mcpward scan 10.0.0.0/24 --ports 3000,8000-8080 --rate 50/s --fail-on medium
  cat hosts.txt | mcpward scan -i - --format sarif -o mcpward.sarif

Targets: a URL is scanned as given (its path is tried first as the MCP endpoint); host:port is
http (https on 443 and 8443); a bare host or a CIDR range is tried on every port of --ports.

SARIF: with -i FILE, each result points at the target's line in FILE (so code scanning shows it
in the inventory file); otherwise at the target URL.`,
    )
    .action(async (targets: string[], flags: ScanFlags) => {
      const kb = loadKnowledgeBase(flags.signatures);
      const ports = flags.ports ? parsePorts(flags.ports) : kb.mcp.ports;
      for (const p of flags.paths)
        if (!p.startsWith('/')) throw new UserError(`paths start with /: "${p}"`, '--paths');
      const source = targetSource(targets, flags.input, { ports, maxAddresses: flags.maxAddresses });
      let total = 0;
      for (const _ of source()) total++; // validates every target before the first request
      if (total === 0)
        throw new UserError('no targets: give URLs or hosts, or -i FILE (- for stdin)', 'scan');

      const out = await openOutput(flags.output, flags.color);
      const reporter = scanReporter(flags.format, (s) => write(out.stream, s), {
        kb,
        color: out.color,
        ...(out.isTTY && process.stdout.columns ? { columns: process.stdout.columns } : {}),
        minSeverity: flags.severity,
      });
      const progress = new Progress(
        'scanning',
        total,
        process.stderr,
        flags.progress && Boolean(process.stderr.isTTY),
      );
      let failed = false;
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      try {
        for await (const r of scanTargets(source(), {
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
          ...(flags.advisories
            ? {
                enrich: advisoryEnricher({
                  db: loadAdvisoryDb(flags.dataDir ? { dataDir: flags.dataDir } : {}),
                }),
              }
            : {}),
          ...(flags.rate ? { rate: flags.rate } : {}),
        })) {
          progress.tick(1, r.target);
          await reporter.result(r);
          if (flags.failOn && r.findings.some((f) => atLeast(f.severity, flags.failOn!))) failed = true;
          if (stop.signal.aborted) break;
        }
      } finally {
        process.off('SIGINT', onSignal);
        progress.end();
        await reporter.end();
        await out.close();
      }
      process.exitCode = failed ? EXIT.findings : EXIT.ok;
    });
}
