import type { KnowledgeBase } from '../../disclosure/load.js';
import { isJsonRpcResponse, parseJsonRpcMessages } from '../../mcp/jsonrpc.js';
import { supportedRevisions } from '../../mcp/revisions.js';
import type { Observation } from '../observation.js';
import type { FindingSet } from './finding-set.js';

/** JSON-RPC error objects in an answer (JSON body or SSE events). */
function rpcErrors(obs: Observation): { message: string; data?: unknown }[] {
  const texts = obs.events?.length ? obs.events.map((e) => e.data) : [obs.body];
  const out: { message: string; data?: unknown }[] = [];
  for (const t of texts)
    for (const m of parseJsonRpcMessages(t)) if (isJsonRpcResponse(m) && m.error) out.push(m.error);
  return out;
}

/**
 * Error answers that list the protocol revisions a server supports. The list dates the SDK (and which
 * one: the TypeScript SDK still lists 2024-10-07, the Python SDK does not).
 */
export function analyzeSupportedVersions(
  observations: readonly Observation[],
  kb: KnowledgeBase,
  out: FindingSet,
): void {
  const spec = kb.findings.get('mcp-supported-versions');
  for (const obs of observations) {
    if (obs.status === undefined || obs.status < 400) continue;
    const texts = rpcErrors(obs).map(
      (e) => `${e.message} ${e.data === undefined ? '' : JSON.stringify(e.data)}`,
    );
    if (texts.length === 0 && obs.body && !obs.body.trimStart().startsWith('<'))
      texts.push(obs.body.slice(0, 2000));
    for (const text of texts) {
      const { revisions, labelled } = supportedRevisions(text);
      if (revisions.length < (labelled ? 1 : 2)) continue;
      // The exact list (and its order) dates the SDK to a range of releases.
      const known = kb.revisionLists.find(
        (l) => l.list.length === revisions.length && l.list.every((r, i) => r === revisions[i]),
      );
      const versionRange = known
        ? { first: known.first, last: known.last, ecosystem: known.ecosystem }
        : undefined;
      out.add({
        id: 'mcp-supported-versions',
        title: spec?.title ?? 'Error lists supported protocol revisions',
        severity: spec?.severity ?? 'low',
        vector: 'error',
        ...(known && versionRange ? { product: known.product, versionRange } : {}),
        evidence: {
          request: obs.label,
          location: `body (${obs.status})`,
          excerpt: text.trim().slice(0, 200),
        },
      });
      if (known && versionRange) {
        out.product({
          product: known.product,
          versionRange,
          kind: 'sdk',
          confidence: 'medium',
          sources: [known.id],
        });
      }
    }
  }
}
