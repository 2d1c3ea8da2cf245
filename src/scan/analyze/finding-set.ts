import type { KnowledgeBase } from '../../disclosure/load.js';
import type {
  Evidence,
  Finding,
  ProductFingerprint,
  Severity,
  Vector,
  VersionRange,
} from '../../report/model.js';
import { severityRank } from '../../report/model.js';

const MAX_EVIDENCE = 3;

export interface FindingInput {
  id: string;
  title: string;
  severity: Severity;
  vector: Vector;
  product?: string;
  version?: string;
  versionRange?: VersionRange;
  evidence: Evidence;
  /** Findings with the same id and key merge their evidence (default: one finding per id). */
  key?: string;
}

/**
 * Collects findings for one target, merging repeats of the same disclosure (the same header on every
 * response is one finding with a few examples, not forty).
 */
export class FindingSet {
  private readonly byKey = new Map<string, Finding>();
  private readonly products: ProductFingerprint[] = [];

  constructor(
    private readonly target: string,
    private readonly kb: KnowledgeBase,
  ) {}

  add(f: FindingInput): void {
    const key = `${f.id}\u0000${f.key ?? ''}`;
    const existing = this.byKey.get(key);
    if (existing) {
      const dup = existing.evidence.some(
        (e) => e.location === f.evidence.location && e.excerpt === f.evidence.excerpt,
      );
      if (!dup && existing.evidence.length < MAX_EVIDENCE) existing.evidence.push(f.evidence);
      if (severityRank(f.severity) > severityRank(existing.severity)) existing.severity = f.severity;
      if (!existing.version && f.version) {
        existing.version = f.version;
        if (f.product) existing.product = f.product;
      }
      return;
    }
    const finding: Finding = {
      id: f.id,
      title: f.title,
      severity: f.severity,
      vector: f.vector,
      target: this.target,
      evidence: [f.evidence],
      remediation: this.remediation(f.id, f.vector),
    };
    if (f.product) finding.product = f.product;
    if (f.version) finding.version = f.version;
    if (f.versionRange) finding.versionRange = f.versionRange;
    this.byKey.set(key, finding);
  }

  private remediation(id: string, vector: Vector): string {
    const own = this.kb.findings.get(id)?.remediation;
    if (own) return own;
    switch (vector) {
      case 'infrastructure':
        return this.kb.remediation.infrastructure;
      case 'header':
        return this.kb.remediation.header;
      case 'behaviour':
        return this.kb.remediation.behaviour;
      default:
        return this.kb.remediation.error;
    }
  }

  /** Records a product claim; equal products (case-insensitive) and versions merge their sources. */
  product(p: ProductFingerprint): void {
    const same = this.products.find(
      (x) => x.product.toLowerCase() === p.product.toLowerCase() && (x.version ?? '') === (p.version ?? ''),
    );
    if (same) {
      for (const s of p.sources) if (!same.sources.includes(s)) same.sources.push(s);
      if (p.versionRange && !same.versionRange) same.versionRange = p.versionRange;
      const rank = { low: 0, medium: 1, high: 2 };
      if (rank[p.confidence] > rank[same.confidence]) same.confidence = p.confidence;
      return;
    }
    // A versionless claim adds nothing when the same product is known with a version.
    if (
      !p.version &&
      this.products.some((x) => x.product.toLowerCase() === p.product.toLowerCase() && x.version)
    )
      return;
    const versionless = this.products.findIndex(
      (x) => x.product.toLowerCase() === p.product.toLowerCase() && !x.version,
    );
    if (p.version && versionless >= 0) {
      const old = this.products[versionless]!;
      this.products[versionless] = { ...p, sources: [...new Set([...old.sources, ...p.sources])] };
      return;
    }
    this.products.push({ ...p, sources: [...p.sources] });
  }

  findings(): Finding[] {
    return [...this.byKey.values()].sort(
      (a, b) => severityRank(b.severity) - severityRank(a.severity) || a.id.localeCompare(b.id),
    );
  }

  fingerprints(): ProductFingerprint[] {
    return this.products;
  }
}
