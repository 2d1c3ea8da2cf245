import type { Command } from 'commander';
import { Option } from 'commander';
import { atLeast, type Severity } from '../report/model.js';
import { Progress } from '../report/progress.js';
import { SCAN_FORMATS, type ScanFormat, scanReporter } from '../report/scan-report.js';
import { scanTargets } from '../scan/scanner.js';
import { EXIT, openOutput, parseSeverity, write } from './common.js';
import { addScanOptions, prepareScan, type ScanFlags } from './scan-options.js';

interface Flags extends ScanFlags {
  format: ScanFormat;
  output?: string;
  failOn?: Severity;
  severity: Severity;
  color: boolean;
}

export function register(program: Command): void {
  addScanOptions(
    program
      .command('scan')
      .description(
        'Probe MCP servers the way an attacker would and report every version disclosure (SAFE-T1604).',
      ),
  )
    .addOption(new Option('-f, --format <format>', 'output format').choices(SCAN_FORMATS).default('table'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option(
      '--fail-on <severity>',
      'exit 1 if a finding is at or above: info, low, medium, high, critical, none',
      parseSeverity,
    )
    .option('-s, --severity <level>', 'table: show findings at or above this severity', parseSeverity, 'info')
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
    .action(async (targets: string[], flags: Flags) => {
      const scan = prepareScan(targets, flags);
      const out = await openOutput(flags.output, flags.color);
      const reporter = scanReporter(flags.format, (s) => write(out.stream, s), {
        kb: scan.kb,
        color: out.color,
        ...(out.isTTY && process.stdout.columns ? { columns: process.stdout.columns } : {}),
        minSeverity: flags.severity,
      });
      const progress = new Progress(
        'scanning',
        scan.total,
        process.stderr,
        flags.progress && Boolean(process.stderr.isTTY),
      );
      let failed = false;
      let interrupted = false;
      const onSignal = () => {
        interrupted = true;
      };
      process.once('SIGINT', onSignal);
      try {
        for await (const r of scanTargets(scan.targets(), scan.options)) {
          progress.tick(1, r.target);
          await reporter.result(r);
          if (flags.failOn && r.findings.some((f) => atLeast(f.severity, flags.failOn!))) failed = true;
          if (interrupted) break;
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
