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
/** Protocol revision dates quoted in a text (e.g. an error listing supported versions). */
export function revisionsIn(text: string): string[] {
  return [...new Set(text.match(DATE_RE) ?? [])].filter((d) => d !== BOGUS_REVISION).sort();
}

/** Revision dates in the order a text lists them (SDKs print newest or oldest first: the order tells them apart). */
export function revisionSequence(text: string): string[] {
  return [...new Set(text.match(DATE_RE) ?? [])].filter((d) => d !== BOGUS_REVISION);
}

export function isStatelessRevision(v: string | undefined): boolean {
  return v !== undefined && v >= STATELESS_REVISION;
}
