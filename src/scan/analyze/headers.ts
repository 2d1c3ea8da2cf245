import type { KnowledgeBase } from '../../disclosure/load.js';
import { matchHeaders } from '../../disclosure/match.js';
import type { ProductFingerprint } from '../../report/model.js';
import type { Observation } from '../observation.js';
import type { FindingSet } from './finding-set.js';

function displayName(h: string): string {
  return h.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase());
}

const FRAMEWORK_HEADERS = new Set([
  'header-x-powered-by',
  'header-x-aspnet-version',
  'header-x-aspnetmvc-version',
  'header-x-generator',
]);

/** Version, product and infrastructure headers, on every response the scan saw. */
export function analyzeHeaders(
  observations: readonly Observation[],
  kb: KnowledgeBase,
  out: FindingSet,
): void {
  for (const obs of observations) {
    if (obs.status === undefined) continue;
    for (const hit of matchHeaders(obs.headers, kb)) {
      const sig = hit.signature;
      const infra = sig.category === 'infrastructure';
      const lead = hit.claims.find((c) => c.version) ?? hit.claims[0];
      const input = {
        id: sig.id,
        title: sig.title,
        severity: sig.severity ?? (lead?.version ? 'medium' : 'low'),
        vector: infra ? ('infrastructure' as const) : ('header' as const),
        evidence: { request: obs.label, location: `header ${displayName(hit.header)}`, excerpt: hit.value },
        ...(lead?.product ? { product: lead.product } : {}),
        ...(lead?.version ? { version: lead.version } : {}),
      };
      out.add(input);
      for (const c of hit.claims) {
        if (!c.product) continue;
        const kind: ProductFingerprint['kind'] = infra
          ? 'proxy'
          : FRAMEWORK_HEADERS.has(sig.id)
            ? 'framework'
            : 'product';
        out.product({
          product: c.product,
          ...(c.version ? { version: c.version } : {}),
          kind,
          confidence: c.version ? 'high' : 'medium',
          sources: [sig.id],
        });
      }
    }
  }
}
