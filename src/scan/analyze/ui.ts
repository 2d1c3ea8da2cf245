import type { KnowledgeBase } from '../../disclosure/load.js';
import { excerptAround } from '../../disclosure/match.js';
import type { Observation } from '../observation.js';
import type { FindingSet } from './finding-set.js';

/** Web UIs identified by their page, with the version their script bundle states. */
export function analyzeUi(observations: readonly Observation[], kb: KnowledgeBase, out: FindingSet): void {
  const root = observations.find((o) => o.probe === 'root' && o.status !== undefined && o.status < 300);
  if (!root) return;
  const assets = observations.filter(
    (o) => o.probe === 'ui-asset' && o.status !== undefined && o.status < 300,
  );
  for (const ui of kb.uis) {
    const page = ui.page.exec(root.body);
    if (!page) continue;
    let found: { version: string; obs: Observation; excerpt: string } | undefined;
    for (const obs of assets) {
      for (const re of ui.asset) {
        re.lastIndex = 0;
        const m = re.exec(obs.body);
        if (m?.groups?.['version']) {
          found = {
            version: m.groups['version'],
            obs,
            excerpt: excerptAround(obs.body, m.index, m[0].length, 120),
          };
          break;
        }
      }
      if (found) break;
    }
    out.add({
      id: ui.id,
      title: ui.title,
      severity: found ? ui.severity : 'low',
      vector: 'ui',
      product: ui.product,
      ...(found ? { version: found.version } : {}),
      evidence: found
        ? { request: found.obs.label, location: 'script bundle', excerpt: found.excerpt }
        : {
            request: root.label,
            location: 'page',
            excerpt: excerptAround(root.body, page.index, page[0].length, 120),
          },
    });
    out.product({
      product: ui.product,
      ...(found ? { version: found.version } : {}),
      kind: 'product',
      confidence: found ? 'high' : 'medium',
      sources: [ui.id],
    });
  }
}
