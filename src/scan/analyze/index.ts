import type { KnowledgeBase } from '../../disclosure/load.js';
import type { Finding, McpEndpointInfo, ProductFingerprint } from '../../report/model.js';
import type { Observation } from '../observation.js';
import type { McpEndpoint } from '../probes/streamable.js';
import { analyzeBehaviour } from './behaviour.js';
import { analyzeBodies } from './bodies.js';
import { analyzeEndpoints } from './endpoints.js';
import { FindingSet } from './finding-set.js';
import { analyzeHeaders } from './headers.js';
import { analyzeSupportedVersions } from './protocol-errors.js';
import { analyzeServerInfo } from './serverinfo.js';
import { analyzeUi } from './ui.js';

export interface Analysis {
  findings: Finding[];
  fingerprints: ProductFingerprint[];
  mcp?: McpEndpointInfo;
}

function mcpInfo(
  origin: string,
  endpoint: McpEndpoint,
  observations: readonly Observation[],
): McpEndpointInfo {
  const info: McpEndpointInfo = { url: origin + endpoint.path, transport: endpoint.transport };
  if (endpoint.protocolVersion) info.protocolVersion = endpoint.protocolVersion;
  if (endpoint.sessionId) info.sessionId = true;
  for (const o of observations) {
    const r = o.rpc?.['result'] as Record<string, unknown> | undefined;
    if (!r) continue;
    if ((o.probe === 'mcp-post' || o.probe === 'sse-message') && typeof r['serverInfo'] === 'object') {
      info.serverInfo = r['serverInfo'] as Record<string, unknown>;
      if (!info.protocolVersion && typeof r['protocolVersion'] === 'string')
        info.protocolVersion = r['protocolVersion'];
      break;
    }
    const meta = r['_meta'] as Record<string, unknown> | undefined;
    const si = meta?.['io.modelcontextprotocol/serverInfo'];
    if (o.probe === 'mcp-discover' && si && typeof si === 'object')
      info.serverInfo = si as Record<string, unknown>;
  }
  return info;
}

/** Turns what the probes saw into findings and product fingerprints. Pure: no I/O. */
export function analyze(
  origin: string,
  targetUrl: string,
  observations: readonly Observation[],
  endpoint: McpEndpoint | undefined,
  kb: KnowledgeBase,
): Analysis {
  const set = new FindingSet(targetUrl, kb);
  analyzeServerInfo(observations, kb, set);
  analyzeEndpoints(observations, kb, set);
  analyzeHeaders(observations, kb, set);
  analyzeBodies(observations, kb, set);
  analyzeSupportedVersions(observations, kb, set);
  analyzeUi(observations, kb, set);
  analyzeBehaviour(observations, kb, set);
  const out: Analysis = { findings: set.findings(), fingerprints: set.fingerprints() };
  if (endpoint) out.mcp = mcpInfo(origin, endpoint, observations);
  return out;
}
