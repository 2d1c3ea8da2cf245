import type { Command } from 'commander';
import { Option } from 'commander';
import { type DetectConfig, defaultDetectConfig, loadDetectConfig } from '../alerts/config.js';
import { addDerivedFields } from '../alerts/derived.js';
import type { Alert } from '../alerts/model.js';
import {
  BUILTIN_RULES_DIR,
  loadRulePack,
  type PackSpec,
  packWarnings,
  type RulePack,
} from '../alerts/pack.js';
import { AlertRuntime } from '../alerts/runtime.js';
import { detectBatch } from '../detect/batch.js';
import { findTarget, RuleExplainer } from '../detect/rule-test.js';
import { resolveFormat } from '../logs/formats.js';
import { LogReader } from '../logs/input.js';
import { alertReporter } from '../report/alert-report.js';
import { makeStyle } from '../report/style.js';
import { printable, renderTable } from '../report/table.js';
import { type CompiledCorrelation, type CompiledRule, resolveRuleFiles } from '../sigma/index.js';
import { UserError } from '../util/errors.js';
import { collect, EXIT, useColor } from './common.js';

interface PackFlags {
  rules: string[];
  defaultRules: boolean;
  config?: string;
}

function packSpec(flags: PackFlags, extra: readonly string[] = []): PackSpec {
  const config: DetectConfig = flags.config ? loadDetectConfig(flags.config) : defaultDetectConfig();
  return { rules: [...extra, ...flags.rules], defaultRules: flags.defaultRules, config };
}

function packOptions(cmd: Command): Command {
  return cmd
    .option('-r, --rules <path>', 'extra Sigma rule file, directory or glob; repeatable', collect, [])
    .option('--no-default-rules', 'leave out the built-in SAFE-T1604 rule pack')
    .option('-c, --config <file>', 'detect configuration (YAML), for allowlists, hosts and disabled rules');
}

const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(s);

function kindOf(d: { kind: string; standalone?: boolean }): string {
  if (d.kind === 'filter') return 'filter';
  return d.standalone ? d.kind : `${d.kind} (input)`;
}

export function register(program: Command): void {
  const rules = program
    .command('rules')
    .description('Check, list and try out the Sigma rules detect and guard run.');

  packOptions(
    rules
      .command('validate')
      .description('Load, compile and lint rule files (default: the built-in pack); errors exit 2.')
      .argument('[paths...]', 'rule files, directories or globs (loaded with the built-in pack)')
      .option('--strict', 'exit 1 when lint has warnings', false),
  ).action((paths: string[], flags: PackFlags & { strict: boolean }) => {
    const pack = loadRulePack(packSpec(flags, paths));
    const files = paths.length ? resolveRuleFiles(paths) : pack.collection.sources;
    const col = pack.collection;
    const inFiles = (file: string) =>
      [...col.rules, ...col.correlations, ...col.filters].filter((d) => d.source.file === file).length;
    for (const f of files) out(`${f}: ${inFiles(f)} document${inFiles(f) === 1 ? '' : 's'} ok\n`);
    const warnings = packWarnings(pack).filter(
      (w) => !paths.length || files.some((f) => w.where.startsWith(f)),
    );
    for (const w of warnings) err(`warning ${w.code}: ${w.where}: ${w.message}\n`);
    out(
      `${col.rules.length} rules, ${col.correlations.length} correlations, ${col.filters.length} filters compiled; ${warnings.length} warning${warnings.length === 1 ? '' : 's'}\n`,
    );
    process.exitCode = flags.strict && warnings.length ? EXIT.findings : EXIT.ok;
  });

  packOptions(
    rules
      .command('list')
      .description('List the rules, correlations and filters detect would run.')
      .addOption(
        new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'),
      ),
  ).action((flags: PackFlags & { format: 'table' | 'json' }) => {
    const pack = loadRulePack(packSpec(flags));
    const e = pack.engine;
    const common = (x: CompiledRule | CompiledCorrelation) => ({
      kind: kindOf(x),
      id: x.id ?? '',
      name: x.name ?? '',
      level: x.level ?? '',
      title: x.title,
      status: x.status ?? '',
      file: `${x.source.file}:${x.source.line}`,
    });
    const rows = [
      ...e.rules.map((r) => ({ ...common(r), filters: r.filters })),
      ...e.correlations.map((c) => ({
        ...common(c),
        type: c.type,
        groupBy: c.groupBy,
        timespan: c.correlation.timespan,
        rules: c.rules,
      })),
      ...pack.collection.filters.map((f) => ({
        kind: 'filter',
        id: f.id ?? '',
        name: f.name ?? '',
        level: '',
        title: f.title,
        status: '',
        file: `${f.source.file}:${f.source.line}`,
        rules: f.rules,
      })),
    ];
    if (flags.format === 'json') {
      out(`${JSON.stringify({ rules: rows }, null, 2)}\n`);
      return;
    }
    const rel = (f: string) => f.replace(`${BUILTIN_RULES_DIR}/`, 'rules/');
    out(
      `${renderTable(
        [
          { header: 'KIND' },
          { header: 'LEVEL' },
          { header: 'ID' },
          { header: 'TITLE', flex: true },
          { header: 'FILE' },
        ],
        rows.map((r) => [r.kind, r.level, r.id || r.name, printable(r.title), rel(r.file)]),
        process.stdout.isTTY && process.stdout.columns ? { maxWidth: process.stdout.columns } : {},
      )}\n`,
    );
  });

  packOptions(
    rules
      .command('test')
      .description(
        'Show which lines of a log a rule matches and why (a correlation: the alerts it raises on the log).',
      )
      .argument('<rule>', 'rule id, name or title (or a rule file, loaded with the pack)')
      .argument('<logfile>', 'log file (- for stdin)')
      .option('-l, --log-format <format>', 'log format (default auto)', 'auto')
      .option('--max <n>', 'show at most this many lines', (v) => Number.parseInt(v, 10), 50),
  ).action(async (ref: string, logfile: string, flags: PackFlags & { logFormat: string; max: number }) => {
    resolveFormat(flags.logFormat);
    const isFile = /\.ya?ml$/i.test(ref);
    const pack = loadRulePack(packSpec(flags, isFile ? [ref] : []));
    const target = findTarget(pack.engine, ref, isFile ? resolveRuleFiles([ref])[0] : undefined);
    const color = useColor(process.stdout);
    const st = makeStyle(color);
    if (target.kind === 'correlation') {
      let c = target.corr;
      if (!c.standalone) {
        // An inner correlation raises no alert of its own: test the one that uses it.
        const outer = pack.engine.correlations.find(
          (o) => o.standalone && o.rules.some((r) => [c.id, c.name].includes(r)),
        );
        if (outer) {
          out(`${c.title} feeds ${outer.title} and raises no alert of its own; testing that.\n`);
          c = outer;
        }
      }
      out(
        `${st.bold(c.title)} (${c.id ?? c.name}): ${c.type} over ${c.rules.join(', ')}, group-by ${c.groupBy.join(', ') || '-'}, ${c.correlation.timespan}\n\n`,
      );
      const found = await correlationAlerts(pack, logfile, flags.logFormat, c.id ?? c.name ?? c.title);
      const reporter = alertReporter('table', async (text) => void out(text), { color, engine: pack.engine });
      await reporter.alerts(found.alerts);
      out(
        `${found.alerts.length} alert${found.alerts.length === 1 ? '' : 's'} from this correlation in ${found.lines} lines\n`,
      );
      process.exitCode = found.alerts.length ? EXIT.ok : EXIT.findings;
      return;
    }
    const rule = target.rule;
    out(
      `${st.bold(rule.title)} (${rule.id ?? rule.name}): ${rule.rule.detection.conditionText.join(' | ')}\n`,
    );
    if (rule.filters.length) out(`filters: ${rule.filters.join('; ')}\n`);
    out('\n');
    const explainer = new RuleExplainer(pack, rule);
    const reader = new LogReader([logfile], { format: flags.logFormat });
    let matched = 0;
    let excluded = 0;
    let shown = 0;
    for await (const batch of reader) {
      for (const ev of batch) {
        if (pack.derivedInDetection) addDerivedFields(ev as Record<string, unknown>);
        const v = explainer.explain(ev);
        if (!v.matched && v.excludedBy.length === 0) continue;
        if (v.matched) matched++;
        else excluded++;
        if (shown++ >= flags.max) continue;
        const head = v.matched ? st.bad('MATCH') : st.dim('EXCLUDED');
        out(`${head} ${ev._source}:${ev._line}  ${printable(ev._raw)}\n`);
        out(`  ${st.dim('held:')} ${v.held.join(', ') || '-'}`);
        if (v.excludedBy.length) out(`  ${st.dim('excluded by:')} ${v.excludedBy.join('; ')}`);
        out('\n');
        const fields = Object.entries(v.fields)
          .map(([k, val]) => `${k}=${JSON.stringify(val.length > 80 ? `${val.slice(0, 79)}…` : val)}`)
          .join(' ');
        if (fields) out(`  ${st.dim(printable(fields))}\n`);
      }
    }
    if (shown > flags.max) out(`... ${shown - flags.max} more\n`);
    const s = reader.stats;
    out(
      `\n${matched} line${matched === 1 ? '' : 's'} matched, ${excluded} excluded by filters, of ${s.lines} read (${s.skipped} skipped)\n`,
    );
    process.exitCode = matched ? EXIT.ok : EXIT.findings;
  });
}

async function correlationAlerts(
  pack: RulePack,
  logfile: string,
  format: string,
  rule: string,
): Promise<{ alerts: Alert[]; lines: number }> {
  const alerts: Alert[] = [];
  const res = await detectBatch({
    inputs: [logfile],
    format,
    runtime: new AlertRuntime(pack),
    workers: 1,
    onAlerts: (batch) => {
      for (const a of batch) if (a.kind === 'correlation' && a.rule === rule) alerts.push(a);
    },
  });
  if (res.stats.lines === 0) throw new UserError('no lines read', logfile);
  return { alerts, lines: res.stats.lines };
}
