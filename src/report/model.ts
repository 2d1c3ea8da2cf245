import type { Severity } from '../disclosure/schema.js';

export type { Severity } from '../disclosure/schema.js';
export { SEVERITIES } from '../disclosure/schema.js';

/** What was sent, where in the answer the disclosure sits, and the words themselves. */
export interface Evidence {
  /** e.g. `GET /version`, `POST /mcp initialize`. */
  request: string;
  /** e.g. `header Server`, `body $.version`, `result.serverInfo.version`, `SSE event endpoint`. */
  location: string;
  /** The disclosing text, trimmed to a line. */
  excerpt: string;
}

export type Vector =
  | 'endpoint'
  | 'header'
  | 'infrastructure'
  | 'serverinfo'
  | 'error'
  | 'behaviour'
  | 'ui'
  | 'advisory';

/** Releases a disclosure narrows a product down to, when no exact version is printed. */
export interface VersionRange {
  first: string;
  last: string;
  ecosystem: string;
}

/** A known vulnerability matched to a disclosed version (filled in by intel/). */
export interface AdvisoryRef {
  id: string;
  aliases: string[];
  summary: string;
  severity: Severity;
  package: string;
  ecosystem: string;
  fixed?: string;
  /** Why we believe it applies: exact package version, or inferred (and how). */
  basis: string;
  confidence: 'low' | 'medium' | 'high';
}

export interface Finding {
  /** Stable id of what was found: the signature id from the knowledge base. */
  id: string;
  title: string;
  severity: Severity;
  vector: Vector;
  /** The target URL this finding is about. */
  target: string;
  product?: string;
  version?: string;
  /** The releases the product must be one of, when only a range could be inferred. */
  versionRange?: VersionRange;
  evidence: Evidence[];
  /** What to do about it, and which guard setting does it. */
  remediation: string;
  advisories?: AdvisoryRef[];
}

/** A product identified on a target, with where the claim came from. */
export interface ProductFingerprint {
  product: string;
  version?: string;
  versionRange?: VersionRange;
  kind: 'server' | 'sdk' | 'framework' | 'runtime' | 'proxy' | 'product';
  confidence: 'low' | 'medium' | 'high';
  /** Finding ids or probe names the claim rests on. */
  sources: string[];
}

export interface McpEndpointInfo {
  url: string;
  transport: 'streamable-http' | 'sse' | 'stateless';
  protocolVersion?: string;
  serverInfo?: Record<string, unknown>;
  sessionId?: boolean;
}

export interface TargetResult {
  target: string;
  /** Where the target came from (`hosts.txt:12`, `argv`), for SARIF locations. */
  origin?: { file?: string; line?: number };
  status: 'ok' | 'unreachable' | 'error';
  error?: string;
  mcp?: McpEndpointInfo;
  fingerprints: ProductFingerprint[];
  findings: Finding[];
  requests: number;
  durationMs: number;
}

const RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
export function severityRank(s: Severity): number {
  return RANK[s];
}
export function atLeast(s: Severity, threshold: Severity): boolean {
  return RANK[s] >= RANK[threshold];
}
