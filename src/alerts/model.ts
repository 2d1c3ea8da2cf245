/**
 * The alert: what detect prints and guard acts on when a Sigma rule or correlation fires for a source.
 * One alert per rule and source per window (see tracker.ts), carrying what an analyst needs to judge it:
 * when, how often, which URIs, and a few of the log lines themselves.
 */

import type { Severity } from '../report/model.js';
import type { CorrelationType, SigmaLevel } from '../sigma/index.js';
import { LEVELS } from '../sigma/index.js';

export type AlertLevel = SigmaLevel;
export const ALERT_LEVELS: readonly AlertLevel[] = LEVELS;

/** Rules without a `level` alert at this level. */
export const DEFAULT_LEVEL: AlertLevel = 'medium';

/** One log line behind an alert. */
export interface AlertSample {
  /** File the line came from (`-` for stdin; the request for live detection). */
  file: string;
  /** 1-based line number (0 when not from a file). */
  line: number;
  /** Byte offset of the line in the file. */
  offset: number;
  /** Event time, epoch ms. */
  time: number;
  text: string;
}

export interface Alert {
  /** The rule's id (UUID), else its name, else its title: stable across runs, used for SARIF. */
  rule: string;
  /** The rule's `name`, when it has one. */
  ruleName?: string;
  title: string;
  level: AlertLevel;
  kind: 'rule' | 'correlation';
  /** Correlation type, for correlation alerts. */
  correlationType?: CorrelationType;
  tags: readonly string[];
  /** Where the rule was loaded from. */
  ruleFile: string;
  ruleLine: number;
  /**
   * Who the alert is about: the client address (`c-ip`) for single-event rules; for correlations the
   * group's `c-ip`, else its `c-net`, else its group-by values joined by spaces (`*` for no group-by).
   */
  source: string;
  /** Correlations: group-by field → value. Single-event rules: `{ 'c-ip': source }`. */
  group: Readonly<Record<string, string>>;
  /** Event time of the first and last event attributed to the alert (epoch ms). */
  firstSeen: number;
  lastSeen: number;
  /** The window this alert covers: later events of the same rule and source inside it are folded in. */
  windowStart: number;
  windowEnd: number;
  /** Events attributed to the alert. */
  count: number;
  /** Correlations: the count, distinct count or sum that met the condition. */
  value?: number;
  /** Distinct request targets (path + query), in first-seen order, at most `maxUris`. */
  uris: string[];
  /** How many distinct targets there were in all. */
  uriCount: number;
  /** Distinct User-Agents, at most 5. */
  userAgents: string[];
  /** The first log lines (at most `maxSamples`). */
  samples: AlertSample[];
}

export function levelRank(level: AlertLevel): number {
  return ALERT_LEVELS.indexOf(level);
}

/** A level name (`info` accepted for `informational`), or undefined if it is none. */
export function toLevel(value: string): AlertLevel | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'info') return 'informational';
  return (ALERT_LEVELS as readonly string[]).includes(v) ? (v as AlertLevel) : undefined;
}

export function levelAtLeast(level: AlertLevel, threshold: AlertLevel): boolean {
  return levelRank(level) >= levelRank(threshold);
}

/** Sigma level → the report model's severity (SARIF, colours). */
export function levelSeverity(level: AlertLevel): Severity {
  return level === 'informational' ? 'info' : level;
}

/** Stable identity of an alert across runs over the same log (SARIF partialFingerprints, dedupe). */
export function alertIdentity(a: Pick<Alert, 'rule' | 'source' | 'windowStart'>): string {
  return `${a.rule}|${a.source}|${a.windowStart}`;
}

/** The alert as plain JSON, times as ISO 8601. */
export function alertToJSON(a: Alert): Record<string, unknown> {
  const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
  return {
    rule: a.rule,
    ...(a.ruleName ? { ruleName: a.ruleName } : {}),
    title: a.title,
    level: a.level,
    kind: a.kind,
    ...(a.correlationType ? { correlationType: a.correlationType } : {}),
    tags: a.tags,
    source: a.source,
    group: a.group,
    firstSeen: iso(a.firstSeen),
    lastSeen: iso(a.lastSeen),
    windowStart: iso(a.windowStart),
    windowEnd: iso(a.windowEnd),
    count: a.count,
    ...(a.value !== undefined ? { value: a.value } : {}),
    uris: a.uris,
    uriCount: a.uriCount,
    userAgents: a.userAgents,
    samples: a.samples.map((s) => ({ file: s.file, line: s.line, time: iso(s.time), text: s.text })),
    ruleSource: `${a.ruleFile}:${a.ruleLine}`,
  };
}
