/** MCP protocol revisions, oldest first. */
export const PROTOCOL_REVISIONS = [
  '2024-11-05',
  '2025-03-26',
  '2025-06-18',
  '2025-11-25',
  '2026-07-28',
] as const;
export type ProtocolRevision = (typeof PROTOCOL_REVISIONS)[number];

/** The newest revision that still has the initialize handshake and sessions. */
export const LATEST_STATEFUL_REVISION: ProtocolRevision = '2025-11-25';
/** The stateless revision: no initialize, `server/discover`, per-request `_meta`. */
export const STATELESS_REVISION: ProtocolRevision = '2026-07-28';

/** A revision string no server supports, used to make servers list the ones they do. */
export const BOGUS_REVISION = '1999-01-01';

const DATE_RE = /\b20\d\d-\d\d-\d\d\b/g;

/**
 * The revisions an error says a server supports, in the order it lists them (SDKs print newest or
 * oldest first: the order tells them apart). When the text names the list ("supported versions: ...",
 * `"supported": [...]`), only that list counts, not the version the request asked for; otherwise
 * every date but our own bogus one.
 */
export function supportedRevisions(text: string): { revisions: string[]; labelled: boolean } {
  const at = /\bsupported(?:[ _]?versions?)?\b/i.exec(text);
  let list = text;
  if (at) {
    list = text.slice(at.index);
    const requested = /\brequested\b/i.exec(list);
    if (requested) list = list.slice(0, requested.index);
  }
  const revisions = [...new Set(list.match(DATE_RE) ?? [])].filter((d) => d !== BOGUS_REVISION);
  return { revisions, labelled: at !== null };
}

export function isStatelessRevision(v: string | undefined): boolean {
  return v !== undefined && v >= STATELESS_REVISION;
}
