import type { KnowledgeBase } from '../../disclosure/load.js';
import { isGenericServerInfo } from '../../disclosure/match.js';
import type { Severity } from '../../report/model.js';
import type { Observation } from '../observation.js';
import type { FindingSet } from './finding-set.js';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

const VERSION_IN_TEXT = /\bv?\d+\.\d+\.\d+(?:[-+][\w.]+)?\b/;

function str(x: unknown): string | undefined {
  return typeof x === 'string' && x.trim() ? x.trim() : undefined;
}

function resultOf(obs: Observation): Obj | undefined {
  const r = obs.rpc?.['result'];
  return isObj(r) ? r : undefined;
}

/** Where each serverInfo source sits, and which finding it makes. */
function sourcesOf(obs: Observation, kb: KnowledgeBase): { id: string; info: Obj; location: string }[] {
  const result = resultOf(obs);
  if (!result) return [];
  const out: { id: string; info: Obj; location: string }[] = [];
  const metaKey = kb.mcp.metaServerInfoKey;
  if ((obs.probe === 'mcp-post' || obs.probe === 'sse-message') && isObj(result['serverInfo']))
    out.push({ id: 'mcp-serverinfo', info: result['serverInfo'], location: 'result.serverInfo' });
  const meta = isObj(result['_meta']) ? result['_meta'][metaKey] : undefined;
  if (isObj(meta)) {
    const id = obs.probe === 'mcp-discover' ? 'mcp-discover-serverinfo' : 'mcp-meta-serverinfo';
    out.push({ id, info: meta, location: `result._meta["${metaKey}"]` });
  }
  return out;
}

/** serverInfo in initialize, server/discover and result `_meta`, and versions in instructions. */
export function analyzeServerInfo(
  observations: readonly Observation[],
  kb: KnowledgeBase,
  out: FindingSet,
): void {
  for (const obs of observations) {
    for (const src of sourcesOf(obs, kb)) {
      const name = str(src.info['name']);
      const version = str(src.info['version']);
      if (!isGenericServerInfo(src.info, kb)) {
        const spec = kb.findings.get(src.id);
        const genericVersion = !version || kb.mcp.genericVersions.has(version.toLowerCase());
        const severity: Severity = genericVersion ? 'low' : (spec?.severity ?? 'medium');
        out.add({
          id: src.id,
          key: `${name ?? ''}\u0000${version ?? ''}`,
          title: spec?.title ?? src.id,
          severity,
          vector: 'serverinfo',
          evidence: {
            request: obs.label,
            location: src.location,
            excerpt: JSON.stringify(src.info).slice(0, 200),
          },
          ...(name ? { product: name } : {}),
          ...(version && !genericVersion ? { version } : {}),
        });
        if (name) {
          out.product({
            product: name,
            ...(version && !genericVersion ? { version } : {}),
            kind: 'server',
            confidence: 'high',
            sources: [src.id],
          });
        }
      }
      for (const field of ['title', 'websiteUrl', 'description']) {
        const v = str(src.info[field]);
        if (v && VERSION_IN_TEXT.test(v)) addInstructions(out, kb, obs, `${src.location}.${field}`, v);
      }
    }
    const result = resultOf(obs);
    const instructions = result ? str(result['instructions']) : undefined;
    if (instructions && VERSION_IN_TEXT.test(instructions))
      addInstructions(out, kb, obs, 'result.instructions', instructions);
  }
}

function addInstructions(
  out: FindingSet,
  kb: KnowledgeBase,
  obs: Observation,
  location: string,
  text: string,
): void {
  const spec = kb.findings.get('mcp-instructions-version');
  const m = VERSION_IN_TEXT.exec(text)!;
  out.add({
    id: 'mcp-instructions-version',
    title: spec?.title ?? 'Version string in instructions',
    severity: spec?.severity ?? 'low',
    vector: 'serverinfo',
    version: m[0],
    evidence: { request: obs.label, location, excerpt: text.slice(Math.max(0, m.index - 60), m.index + 60) },
  });
}
