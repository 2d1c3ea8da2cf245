/**
 * Alerts out: a readable block per alert on a terminal, JSON lines, one JSON document, or SARIF 2.1.0
 * (rules = the Sigma rules, results located at the log line of the alert's first sample).
 */
import { isAbsolute, relative } from 'node:path';
import { type Alert, alertIdentity, alertToJSON, levelSeverity } from '../alerts/model.js';
import type { CompiledCorrelation, CompiledRule, SigmaEngine } from '../sigma/index.js';
import { packageVersion } from '../util/version.js';
import { buildSarif, type SarifResultInput, type SarifRuleInput } from './sarif.js';
import { makeStyle } from './style.js';
import { printable } from './table.js';

export const ALERT_FORMATS = ['table', 'jsonl', 'json', 'sarif'] as const;
export type AlertFormat = (typeof ALERT_FORMATS)[number];

export interface AlertReporter {
  alerts(batch: readonly Alert[]): Promise<void> | void;
  /** Writes whatever needs the whole run (JSON document, SARIF). */
  end(summary: Record<string, unknown>): Promise<void> | void;
}

type Write = (s: string) => Promise<void> | undefined;

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : '-';
}

function span(a: Alert): string {
  const secs = Math.round((a.lastSeen - a.firstSeen) / 1000);
  if (secs < 1) return iso(a.firstSeen);
  const d =
    secs < 120 ? `${secs}s` : secs < 7200 ? `${Math.round(secs / 60)}m` : `${Math.round(secs / 3600)}h`;
  return `${iso(a.firstSeen)} → ${iso(a.lastSeen)} (${d})`;
}

/** A path relative to the working directory when it is below it, else as is. */
function shortPath(p: string): string {
  if (!isAbsolute(p)) return p;
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
}

function tableReporter(write: Write, color: boolean, columns: number | undefined): AlertReporter {
  const st = makeStyle(color);
  const width = Math.max(60, (columns ?? 120) - 1);
  const clip = (s: string) => {
    const p = printable(s);
    return p.length > width ? `${p.slice(0, width - 1)}…` : p;
  };
  return {
    async alerts(batch) {
      let text = '';
      for (const a of batch) {
        const sev = levelSeverity(a.level);
        text += `${st.severity(sev, a.level.toUpperCase())}  ${st.bold(printable(a.title))}  ${st.bold(printable(a.source))}\n`;
        const what =
          a.kind === 'correlation' && a.value !== undefined
            ? `${a.correlationType} ${a.value}, ${a.count} event${a.count === 1 ? '' : 's'}`
            : `${a.count} event${a.count === 1 ? '' : 's'}`;
        text += `  ${span(a)}  ${what}, ${a.uriCount} distinct URI${a.uriCount === 1 ? '' : 's'}\n`;
        if (a.uris.length) {
          const more = a.uriCount > a.uris.length ? ` (+${a.uriCount - a.uris.length})` : '';
          text += `  ${st.dim('uris:')} ${clip(a.uris.join(' ') + more)}\n`;
        }
        if (a.userAgents.length) text += `  ${st.dim('user agents:')} ${clip(a.userAgents.join(' | '))}\n`;
        text += `  ${st.dim(`rule: ${a.rule} (${shortPath(a.ruleFile)}:${a.ruleLine})`)}\n`;
        for (const s of a.samples.slice(0, 3)) {
          const where = s.file ? `${s.file}:${s.line}` : '';
          text += `  ${st.dim(where)} ${clip(s.text)}\n`;
        }
        text += '\n';
      }
      if (text) await write(text);
    },
    end() {},
  };
}

/** SARIF rules: every alerting rule and correlation of the engine. */
export function sarifRulesOf(engine: SigmaEngine): SarifRuleInput[] {
  const out: SarifRuleInput[] = [];
  const add = (d: CompiledRule | CompiledCorrelation) => {
    const level = d.level ?? 'medium';
    out.push({
      id: d.id ?? d.name ?? d.title,
      title: d.title,
      ...(d.description ? { description: d.description.trim() } : {}),
      ...(d.falsepositives.length ? { help: `False positives: ${d.falsepositives.join('; ')}` } : {}),
      severity: levelSeverity(level),
      tags: ['SAFE-T1604', 'sigma', ...d.tags],
      ...(d.references[0] ? { helpUri: d.references[0] } : {}),
    });
  };
  for (const r of engine.rules) if (r.standalone) add(r);
  for (const c of engine.correlations) if (c.standalone) add(c);
  return out;
}

function sarifResult(a: Alert): SarifResultInput {
  const s = a.samples[0];
  const uris = a.uris.length ? `: ${a.uris.slice(0, 5).join(', ')}${a.uriCount > 5 ? ', …' : ''}` : '';
  return {
    ruleId: a.rule,
    severity: levelSeverity(a.level),
    message: `${a.title} from ${a.source} (${a.count} event${a.count === 1 ? '' : 's'} ${iso(a.firstSeen)} to ${iso(a.lastSeen)}${uris})`,
    location: {
      ...(s?.file && s.file !== '-' ? { file: s.file, ...(s.line ? { line: s.line } : {}) } : {}),
      logical: a.source,
    },
    identity: alertIdentity(a),
    properties: alertToJSON(a),
  };
}

export function alertReporter(
  format: AlertFormat,
  write: Write,
  opts: { color: boolean; columns?: number; engine: SigmaEngine },
): AlertReporter {
  switch (format) {
    case 'table':
      return tableReporter(write, opts.color, opts.columns);
    case 'jsonl':
      return {
        async alerts(batch) {
          let text = '';
          for (const a of batch) text += `${JSON.stringify(alertToJSON(a))}\n`;
          if (text) await write(text);
        },
        end() {},
      };
    case 'json': {
      const all: Alert[] = [];
      const started = new Date().toISOString();
      return {
        alerts(batch) {
          all.push(...batch);
        },
        async end(summary) {
          const doc = {
            tool: { name: 'mcpward', version: packageVersion },
            startedAt: started,
            finishedAt: new Date().toISOString(),
            summary,
            alerts: all.map(alertToJSON),
          };
          await write(`${JSON.stringify(doc, null, 2)}\n`);
        },
      };
    }
    case 'sarif': {
      const all: Alert[] = [];
      return {
        alerts(batch) {
          all.push(...batch);
        },
        async end() {
          const doc = buildSarif({ rules: sarifRulesOf(opts.engine), results: all.map(sarifResult) });
          await write(`${JSON.stringify(doc, null, 2)}\n`);
        },
      };
    }
  }
}
