import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { defaultDetectConfig, loadDetectConfig, withAllowValues } from '../alerts/config.js';
import { type Alert, type AlertLevel, levelAtLeast, toLevel } from '../alerts/model.js';
import { loadRulePack } from '../alerts/pack.js';
import { AlertRuntime } from '../alerts/runtime.js';
import { detectBatch } from '../detect/batch.js';
import { detectFollow } from '../detect/follow.js';
import { summaryLines } from '../detect/summary.js';
import { resolveFormat } from '../logs/formats.js';
import { ALERT_FORMATS, type AlertFormat, alertReporter } from '../report/alert-report.js';
import { Progress } from '../report/progress.js';
import { UserError } from '../util/errors.js';
import { collect, EXIT, openOutput, parseDuration, parsePositiveInt, write } from './common.js';

/** `--fail-on`: a Sigma level (`info` for informational) or `none`. */
export function parseFailLevel(value: string): AlertLevel | 'none' {
  const v = value.trim().toLowerCase();
  if (v === 'none' || v === 'never') return 'none';
  const level = toLevel(v);
  if (!level) throw new InvalidArgumentError('expected informational, low, medium, high, critical or none');
  return level;
}

interface DetectFlags {
  logFormat: string;
  rules: string[];
  defaultRules: boolean;
  config?: string;
  allow: string[];
  follow: boolean;
  checkpoint?: string;
  checkpointEvery: number;
  fromStart: boolean;
  format: AlertFormat;
  output?: string;
  failOn?: AlertLevel | 'none';
  workers: number;
  prefilter: boolean;
  progress: boolean;
  color: boolean;
}

const DEFAULT_WORKERS = Math.max(1, Math.min(4, availableParallelism()));

export function register(program: Command): void {
  program
    .command('detect')
    .description('Find MCP server version enumeration (SAFE-T1604) in web and proxy access logs.')
    .argument('[files...]', 'log files or globs (.gz too); - for stdin')
    .option(
      '-l, --log-format <format>',
      "auto, combined, common, vhost_combined, nginx_main, caddy, traefik, envoy, mcpward, sigma-json, json, or an nginx/Apache format string ('$remote_addr ...' / '%h %l ...')",
      'auto',
    )
    .option('-r, --rules <path>', 'extra Sigma rule file, directory or glob; repeatable', collect, [])
    .option('--no-default-rules', 'do not load the built-in SAFE-T1604 rule pack')
    .option('-c, --config <file>', 'detect configuration (YAML): allowlists, hosts, disabled rules, windows')
    .option(
      '-a, --allow <value>',
      'never alert on this address/CIDR, path (/...) or User-Agent (cidr:, path:, ua: to be explicit); repeatable',
      collect,
      [],
    )
    .option('-F, --follow', 'keep reading the files as they grow, across rotation (like tail -F)', false)
    .option('--checkpoint <file>', 'with --follow: save and resume position and detection state here')
    .option(
      '--checkpoint-every <duration>',
      'with --checkpoint: save at most this often while lines arrive (and on exit)',
      parseDuration,
      5000,
    )
    .option('--from-start', 'with --follow: read what the files already hold first', false)
    .addOption(new Option('-f, --format <format>', 'output format').choices(ALERT_FORMATS).default('table'))
    .option('-o, --output <file>', 'write alerts to a file instead of stdout (appended with --follow)')
    .option(
      '--fail-on <level>',
      'exit 1 if an alert is at or above: informational, low, medium, high, critical, none',
      parseFailLevel,
    )
    .option(
      '-w, --workers <n>',
      `threads that parse and match big files (default ${DEFAULT_WORKERS}; 1 = none)`,
      parsePositiveInt('--workers', 1, 64),
      DEFAULT_WORKERS,
    )
    .option(
      '--no-prefilter',
      "parse every line, even those holding none of the rules' literals (same alerts, slower)",
    )
    .option('--no-progress', 'no progress bar on stderr')
    .option('--no-color', 'no colour in the table')
    .addHelpText(
      'after',
      `
Examples:
  mcpward detect /var/log/nginx/access.log* --fail-on high
  mcpward detect access.log --format sarif -o detect.sarif
  mcpward detect --follow /var/log/nginx/access.log --checkpoint /var/lib/mcpward/detect.ckpt --format jsonl
  tail -F access.log | mcpward detect - --format jsonl
  mcpward detect audit.log --allow 10.0.0.0/8 --allow 'ua:Checkly/*' --config detect.yaml

One alert per rule and source per window, with first/last seen, count, distinct URIs and sample lines.
Files are read oldest first (by their first timestamp). The summary goes to stderr.`,
    )
    .action(async (files: string[], flags: DetectFlags) => {
      if (flags.checkpoint && !flags.follow) throw new UserError('needs --follow', '--checkpoint');
      if (flags.fromStart && !flags.follow) throw new UserError('needs --follow', '--from-start');
      resolveFormat(flags.logFormat); // validates --log-format before anything is read
      const base = flags.config ? loadDetectConfig(flags.config) : defaultDetectConfig();
      const config = withAllowValues(base, flags.allow);
      const pack = loadRulePack({ rules: flags.rules, defaultRules: flags.defaultRules, config });
      let inputs = files;
      if (inputs.length === 0) {
        if (process.stdin.isTTY || flags.follow)
          throw new UserError('give log files or globs, or - to read stdin', 'detect');
        inputs = ['-'];
      }
      const runtime = new AlertRuntime(pack, { emit: flags.follow ? 'open' : 'close' });
      const out = await openOutput(flags.output, flags.color, { append: flags.follow });
      const reporter = alertReporter(flags.format, (s) => write(out.stream, s), {
        color: out.color,
        engine: pack.engine,
        ...(out.isTTY && process.stdout.columns ? { columns: process.stdout.columns } : {}),
      });
      const byLevel: Partial<Record<AlertLevel, number>> = {};
      let failed = false;
      const onAlerts = async (alerts: Alert[]) => {
        for (const a of alerts) {
          byLevel[a.level] = (byLevel[a.level] ?? 0) + 1;
          if (flags.failOn && flags.failOn !== 'none' && levelAtLeast(a.level, flags.failOn)) failed = true;
        }
        await reporter.alerts(alerts);
      };
      const started = performance.now();
      const summary = (stats: Parameters<typeof summaryLines>[0], threads = 0) => {
        const ms = performance.now() - started;
        for (const line of summaryLines(stats, byLevel, ms, threads))
          process.stderr.write(`mcpward detect: ${line}\n`);
        return {
          lines: stats.lines,
          evaluated: stats.parsed,
          skipped: stats.skipped,
          skippedBy: stats.skippedBy,
          alerts: byLevel,
        };
      };

      if (flags.follow) {
        const following = await detectFollow({
          paths: inputs,
          format: flags.logFormat,
          runtime,
          fromStart: flags.fromStart,
          prefilter: flags.prefilter,
          onAlerts,
          onProblem: (p) => process.stderr.write(`mcpward detect: ${p.source}: ${p.message}\n`),
          ...(flags.checkpoint ? { checkpoint: flags.checkpoint } : {}),
          checkpointIntervalMs: flags.checkpointEvery,
        });
        await new Promise<void>((resolve) => {
          const done = () => {
            process.off('SIGINT', done);
            process.off('SIGTERM', done);
            resolve();
          };
          process.once('SIGINT', done);
          process.once('SIGTERM', done);
        });
        await following.stop();
        await reporter.end(summary(following.stats));
        await out.close();
        process.exitCode = failed ? EXIT.findings : EXIT.ok;
        return;
      }

      const progress = new Progress(
        'detect (MiB)',
        undefined,
        process.stderr,
        flags.progress && Boolean(process.stderr.isTTY),
      );
      const MiB = 1024 * 1024;
      let ticked = 0;
      try {
        const res = await detectBatch({
          inputs,
          format: flags.logFormat,
          runtime,
          workers: flags.workers,
          prefilter: flags.prefilter,
          onAlerts,
          onProgress: (bytes, totalBytes, lines) => {
            // The bar counts MiB of the files; the note says how many lines that was.
            if (totalBytes > 0) progress.setTotal(Math.max(1, Math.ceil(totalBytes / MiB)));
            const done = Math.floor(bytes / MiB);
            progress.tick(done - ticked, `${lines.toLocaleString('en-US')} lines`);
            ticked = done;
          },
        });
        progress.end();
        await reporter.end(summary(res.stats, res.parallel.length ? flags.workers : 0));
      } finally {
        progress.end();
        await out.close();
      }
      process.exitCode = failed ? EXIT.findings : EXIT.ok;
    });
}
