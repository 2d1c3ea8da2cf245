/** Small log lines for detection tests: combined and audit lines at chosen times, and running them. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert } from '../../src/alerts/model.js';
import { loadRulePack, type PackSpec, type RulePack } from '../../src/alerts/pack.js';
import { AlertRuntime } from '../../src/alerts/runtime.js';
import { detectBatch } from '../../src/detect/batch.js';
import { formatAuditRecord } from '../../src/logs/index.js';

export const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

export function clfTime(ms: number): string {
  const d = new Date(ms);
  return `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
}

export interface Req {
  ip?: string;
  method?: string;
  path: string;
  status?: number;
  ua?: string;
  /** Seconds after T0. */
  at?: number;
}

/** One nginx `combined` line. */
export function clf(r: Req): string {
  return `${r.ip ?? '198.51.100.7'} - - [${clfTime(T0 + (r.at ?? 0) * 1000)}] "${r.method ?? 'GET'} ${r.path} HTTP/1.1" ${r.status ?? 200} 120 "-" "${r.ua ?? 'curl/8.5.0'}"`;
}

/** One mcpward audit-log line (without its newline), with extra fields. */
export function audit(
  r: Req & { host?: string; mcpMethod?: string; extra?: Record<string, string> },
): string {
  return formatAuditRecord({
    '@timestamp': T0 + (r.at ?? 0) * 1000,
    'x-mcpward-action': 'allowed',
    'c-ip': r.ip ?? '198.51.100.7',
    'cs-method': r.method ?? 'GET',
    'cs-uri-query': r.path,
    'cs-version': 'HTTP/1.1',
    ...(r.host ? { 'cs-host': r.host } : {}),
    'sc-status': r.status ?? 200,
    'sc-bytes': 120,
    ...(r.mcpMethod ? { 'mcp-method': r.mcpMethod } : {}),
    'cs-user-agent': r.ua ?? 'curl/8.5.0',
    ...(r.extra ?? {}),
  }).trimEnd();
}

let cached: RulePack | undefined;
/** The built-in pack with default configuration (loaded once; runtimes keep their own state). */
export function defaultPack(): RulePack {
  cached ??= loadRulePack();
  return cached;
}

/** Runs detect's batch path over these lines (a temp file) and returns the alerts. */
export async function alertsFor(
  lines: readonly string[],
  opts: { spec?: PackSpec; format?: string; workers?: number } = {},
): Promise<Alert[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpward-detect-'));
  try {
    const file = join(dir, 'access.log');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const pack = opts.spec ? loadRulePack(opts.spec) : loadRulePack();
    const alerts: Alert[] = [];
    await detectBatch({
      inputs: [file],
      format: opts.format ?? 'auto',
      runtime: new AlertRuntime(pack, { startTime: T0 }),
      workers: opts.workers ?? 1,
      onAlerts: (a) => {
        alerts.push(...a);
      },
    });
    return alerts;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
