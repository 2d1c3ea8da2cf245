import type { CompiledCondition, KnowledgeBase } from '../../disclosure/load.js';
import type { ProductFingerprint } from '../../report/model.js';
import type { Observation } from '../observation.js';
import type { FindingSet } from './finding-set.js';

function satisfies(obs: Observation, c: CompiledCondition): boolean {
  if (obs.probe !== c.probe || obs.status === undefined) return false;
  if (c.status && !c.status.includes(obs.status)) return false;
  if (c.body && !c.body.test(obs.body)) return false;
  if (c.endpoint && !(obs.endpoint !== undefined && c.endpoint.test(obs.endpoint))) return false;
  if (c.header) {
    for (const [name, re] of c.header) {
      const values = obs.headers.filter(([k]) => k === name).map(([, v]) => v);
      if (!values.some((v) => re.test(v))) return false;
    }
  }
  return true;
}

/** Behaviour fingerprints: SDK and framework identified from how the server answers, not what it prints. */
export function analyzeBehaviour(
  observations: readonly Observation[],
  kb: KnowledgeBase,
  out: FindingSet,
): void {
  for (const fp of kb.fingerprints) {
    const matched: Observation[] = [];
    for (const cond of fp.when) {
      const obs = observations.find((o) => satisfies(o, cond));
      if (!obs) break;
      matched.push(obs);
    }
    if (matched.length !== fp.when.length) continue;
    const first = matched[0]!;
    const cond = fp.when[0]!;
    const headerName = cond.header?.[0]?.[0];
    const headerValue = headerName ? first.headers.find(([k]) => k === headerName)?.[1] : undefined;
    out.add({
      id: fp.id,
      title: fp.title,
      severity: 'info',
      vector: 'behaviour',
      product: fp.product,
      evidence: {
        request: first.label,
        location:
          first.endpoint !== undefined
            ? 'SSE event endpoint'
            : headerName
              ? `header ${headerName}`
              : `status ${first.status}`,
        excerpt: (first.endpoint ?? (headerName ? `${headerName}: ${headerValue}` : first.body))
          .replace(/\s+/g, ' ')
          .trim()
          .slice(0, 160),
      },
    });
    const kind: ProductFingerprint['kind'] = fp.kind === 'product' ? 'product' : fp.kind;
    out.product({ product: fp.product, kind, confidence: fp.confidence, sources: [fp.id] });
  }
}
