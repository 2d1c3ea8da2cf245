import type { KnowledgeBase } from '../../disclosure/load.js';
import { versionFromJson, versionsFromText } from '../../disclosure/match.js';
import type { Observation } from '../observation.js';
import type { FindingSet } from './finding-set.js';

function parseJson(text: string): unknown {
  const t = text.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Version endpoints, judged by their body: a single-page app answers 200 with the same page on every
 * path, so a 200 proves nothing. Bodies equal to the answer for a path that cannot exist are ignored.
 */
export function analyzeEndpoints(
  observations: readonly Observation[],
  kb: KnowledgeBase,
  out: FindingSet,
): void {
  const catchAll = new Set(
    observations
      .filter((o) => o.probe === 'not-found' && o.status !== undefined && o.status < 300)
      .map((o) => o.body),
  );
  const spec = kb.findings.get('endpoint-version');
  for (const obs of observations) {
    if (obs.probe !== 'endpoint' || obs.status === undefined || obs.status >= 300 || !obs.body) continue;
    if (catchAll.has(obs.body)) continue;
    const path = obs.path.split('?')[0]!;
    const json = parseJson(obs.body);
    if (json !== undefined) {
      const info = versionFromJson(json, kb);
      if (info.fields.length === 0) continue;
      out.add({
        id: 'endpoint-version',
        key: path,
        title: spec?.title ?? 'Version endpoint answers with a version',
        severity: info.version ? (spec?.severity ?? 'medium') : 'low',
        vector: 'endpoint',
        evidence: {
          request: obs.label,
          location: `body ${info.fields.map((f) => `$.${f.path}`).join(', ')}`,
          excerpt: info.fields
            .map((f) => `${f.path}=${f.value}`)
            .join(', ')
            .slice(0, 200),
        },
        ...(info.product ? { product: info.product } : {}),
        ...(info.version ? { version: info.version } : {}),
      });
      if (info.product && info.version) {
        out.product({
          product: info.product,
          version: info.version,
          kind: 'server',
          confidence: 'high',
          sources: [`endpoint-version ${path}`],
        });
      }
      continue;
    }
    for (const t of versionsFromText(obs.body, kb)) {
      out.add({
        id: 'endpoint-version',
        key: path,
        title: spec?.title ?? 'Version endpoint answers with a version',
        severity: spec?.severity ?? 'medium',
        vector: 'endpoint',
        evidence: { request: obs.label, location: `body (${t.id})`, excerpt: t.excerpt },
        ...(t.claim.product ? { product: t.claim.product } : {}),
        ...(t.claim.version ? { version: t.claim.version } : {}),
      });
    }
  }
}
