import cvss from 'ae-cvss-calculator';
import type { Severity } from '../report/model.js';
import type { OsvRecord } from './osv-schema.js';

/** A CVSS base score (0–10) from a v2, v3.x or v4.0 vector; undefined if the vector is invalid. */
export function cvssBaseScore(vector: string): number | undefined {
  let parsed: unknown;
  try {
    parsed = cvss.fromVector(vector.trim());
  } catch {
    return undefined;
  }
  if (!parsed || typeof (parsed as { calculateScores?: unknown }).calculateScores !== 'function')
    return undefined;
  const scores = (parsed as { calculateScores(): { base?: unknown } }).calculateScores();
  return typeof scores.base === 'number' && Number.isFinite(scores.base) ? scores.base : undefined;
}

/** CVSS v3/v4 qualitative rating scale: 0 none, <4 low, <7 medium, <9 high, else critical. */
export function severityFromScore(score: number): Severity {
  if (score === 0) return 'info';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9) return 'high';
  return 'critical';
}

/** GitHub's levels (LOW, MODERATE, HIGH, CRITICAL) in mcpward's scale. */
export function severityFromLabel(label: string): Severity | undefined {
  switch (label.trim().toUpperCase()) {
    case 'CRITICAL':
      return 'critical';
    case 'HIGH':
      return 'high';
    case 'MODERATE':
    case 'MEDIUM':
      return 'medium';
    case 'LOW':
      return 'low';
    default:
      return undefined;
  }
}

export interface RecordSeverity {
  severity: Severity;
  /** e.g. `CVSS_V4 7.3`, `database_specific HIGH`, `none given`. */
  basis: string;
  score?: number;
}

const PREFERENCE = ['CVSS_V4', 'CVSS_V3', 'CVSS_V2'];

/**
 * The record's severity: the newest CVSS vector's base score (record level, else the first
 * affected entry's), else GitHub's `database_specific.severity`, else medium (unrated).
 */
// Scoring a CVSS vector is costly next to everything else a scan does per finding; records are
// immutable once loaded, so each is scored once.
const scored = new WeakMap<OsvRecord, RecordSeverity>();

export function recordSeverity(record: OsvRecord): RecordSeverity {
  let s = scored.get(record);
  if (!s) {
    s = computeSeverity(record);
    scored.set(record, s);
  }
  return s;
}

function computeSeverity(record: OsvRecord): RecordSeverity {
  const vectors = [...(record.severity ?? []), ...(record.affected ?? []).flatMap((a) => a.severity ?? [])];
  for (const type of PREFERENCE) {
    for (const s of vectors.filter((v) => v.type === type)) {
      const score = cvssBaseScore(s.score);
      if (score !== undefined)
        return { severity: severityFromScore(score), basis: `${type} ${score}`, score };
    }
  }
  const label = record.database_specific?.severity;
  const fromLabel = label ? severityFromLabel(label) : undefined;
  if (fromLabel) return { severity: fromLabel, basis: `database_specific ${label}` };
  return { severity: 'medium', basis: 'no severity given' };
}
