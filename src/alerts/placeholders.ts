/**
 * Values for the rule pack's `expand` placeholders, taken from the knowledge base and shipped data, so
 * the paths scan probes, guard locks and detect watches are one list and cannot drift apart.
 *
 *   %mcpward_version_endpoints%      every `endpoints:` path of data/signatures/endpoints.yaml
 *   %mcpward_liveness_endpoints%     those of kind health and status (what monitors poll)
 *   %mcpward_mcp_endpoints%          MCP endpoint and legacy SSE paths of data/signatures/mcp.yaml (not `/`)
 *   %mcpward_sse_endpoints%          legacy SSE stream paths
 *   %mcpward_mcp_protocol_versions%  published MCP revisions
 *   %mcpward_scanner_user_agents%    the OWASP CRS scanner list, data/crs/scanners-user-agents.data
 *   %mcpward_server_hosts%           the configuration's `hosts:` (each also with any :port), else `*`
 *
 * Paths also match with a trailing slash. Values are Sigma strings: literal text is escaped here.
 */
import { join } from 'node:path';
import type { KnowledgeBase } from '../disclosure/load.js';
import { PROTOCOL_REVISIONS } from '../mcp/revisions.js';
import { dataDir } from '../util/paths.js';
import { readTextFile } from '../util/validate.js';
import type { DetectConfig } from './config.js';

export const CRS_SCANNERS_FILE = join(dataDir, 'crs', 'scanners-user-agents.data');

/** Revisions SDKs accept besides the published ones (the TS SDK still lists the 2024-10-07 draft). */
const EXTRA_REVISIONS = ['2024-10-07'];

/** Escapes Sigma wildcard and escape characters so a value matches literally. */
export function sigmaLiteral(s: string): string {
  return s.replace(/[\\*?]/g, (c) => `\\${c}`);
}

/** The User-Agent fragments of a CRS `.data` file: one per line, `#` comments and blank lines skipped. */
export function parseCrsList(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line && !line.startsWith('#') && !out.includes(line)) out.push(line);
  }
  return out;
}

function withSlash(paths: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    out.add(sigmaLiteral(p));
    if (!p.endsWith('/')) out.add(sigmaLiteral(`${p}/`));
  }
  return [...out];
}

export function packPlaceholders(
  kb: KnowledgeBase,
  config: Pick<DetectConfig, 'hosts' | 'placeholders'>,
  crsText: string = readTextFile(CRS_SCANNERS_FILE),
): Record<string, string[]> {
  const endpoints = kb.endpoints.map((e) => e.path);
  const liveness = kb.endpoints.filter((e) => e.kind === 'health' || e.kind === 'status').map((e) => e.path);
  // `/` is a candidate MCP path for scan, but every site answers it: as a detection path it means nothing.
  const mcp = [...kb.mcp.paths, ...kb.mcp.ssePaths].filter((p) => p !== '/');
  const hosts = config.hosts.length
    ? config.hosts.flatMap((h) => [sigmaLiteral(h), `${sigmaLiteral(h)}:*`])
    : ['*'];
  return {
    mcpward_version_endpoints: withSlash(endpoints),
    mcpward_liveness_endpoints: withSlash(liveness),
    mcpward_mcp_endpoints: withSlash(mcp),
    mcpward_sse_endpoints: withSlash(kb.mcp.ssePaths),
    mcpward_mcp_protocol_versions: [...PROTOCOL_REVISIONS, ...EXTRA_REVISIONS],
    mcpward_scanner_user_agents: parseCrsList(crsText).map(sigmaLiteral),
    mcpward_server_hosts: hosts,
    ...config.placeholders,
  };
}
