import type { KnowledgeBase } from '../../disclosure/load.js';
import { matchPatterns } from '../../disclosure/match.js';
import type { Observation } from '../observation.js';
import type { FindingSet } from './finding-set.js';

/**
 * Error answers are where stack traces, paths and framework pages live. Successful pages are left to
 * the endpoint analysis: pattern-matching a marketing page for "Go 1.2" finds nonsense.
 */
function isErrorAnswer(obs: Observation): boolean {
  if (obs.status === undefined) return false;
  if (obs.status >= 400) return true;
  if (obs.probe.startsWith('err-') || obs.probe.startsWith('sse-err')) return true;
  return Boolean(obs.rpc && 'error' in obs.rpc);
}

/** Stack traces, file paths, framework error pages and runtime versions in error answers. */
export function analyzeBodies(
  observations: readonly Observation[],
  kb: KnowledgeBase,
  out: FindingSet,
): void {
  for (const obs of observations) {
    if (!isErrorAnswer(obs) || !obs.body) continue;
    for (const hit of matchPatterns(obs.body, kb)) {
      const sig = hit.signature;
      const claim = hit.claims[0];
      out.add({
        id: sig.id,
        title: sig.title,
        severity: sig.severity,
        vector: 'error',
        evidence: {
          request: obs.label,
          location: `body (${obs.status ?? 'no status'})`,
          excerpt: hit.excerpt,
        },
        ...(claim?.product ? { product: claim.product } : {}),
        ...(claim?.version ? { version: claim.version } : {}),
      });
      if (claim?.product && claim.version) {
        out.product({
          product: claim.product.replace(/^(@[\w.-]+)\+/, '$1/'),
          version: claim.version,
          kind:
            sig.kind === 'error-page'
              ? 'proxy'
              : sig.id === 'error-python-site-packages' || sig.id === 'error-runtime-version'
                ? 'runtime'
                : 'product',
          confidence: 'medium',
          sources: [sig.id],
        });
      }
    }
  }
}
