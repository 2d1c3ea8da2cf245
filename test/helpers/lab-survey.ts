/**
 * A test-side survey of a running lab server: the probes the knowledge base names (fingerprints.yaml),
 * sent with undici over real sockets, and the findings the knowledge base derives from the answers.
 * The lab tests compare this with each server's declaration, so a declaration cannot claim what the
 * wire does not show, nor leave out what it does. (It is deliberately independent of src/scan.)
 */
import { randomUUID } from 'node:crypto';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Agent, request } from 'undici';
import {
  isGenericServerInfo,
  type KnowledgeBase,
  matchHeaders,
  matchPatterns,
  type VersionClaim,
  versionFromJson,
  versionsFromText,
} from '../../src/disclosure/index.js';
import type { RunningLabServer } from '../../src/lab/types.js';

export interface ProbeResponse {
  /** Probe name as fingerprints.yaml uses it (root, not-found, endpoint, mcp-post, sse-open, err-*). */
  probe: string;
  request: string;
  path: string;
  rpcMethod?: string;
  status: number;
  headers: [string, string][];
  body: string;
  /** JSON-RPC messages in the body (JSON or SSE). */
  messages: Record<string, unknown>[];
  /** sse-open: the `endpoint` event's data. */
  endpoint?: string;
}

export interface ObservedFinding {
  id: string;
  path?: string;
  claims: VersionClaim[];
  evidence: string[];
}

export interface Survey {
  responses: ProbeResponse[];
  /** Keyed by id, or `endpoint-version <path>` for version endpoints. */
  findings: Map<string, ObservedFinding>;
  /** Product names (lowercase) the findings and fingerprints name. */
  products: Map<string, Set<string>>;
}

const ACCEPT_BOTH = 'application/json, text/event-stream';
const MODERN = '2026-07-28';
const initialize = (id: number | string = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'lab-survey', version: '0' },
  },
});
const modernMeta = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'lab-survey', version: '0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** Reads SSE events from a body as they arrive. */
function sseReader(body: NodeJS.ReadableStream) {
  const events: EventSourceMessage[] = [];
  let ended = false;
  let wake: () => void = () => {};
  const parser = createParser({
    onEvent: (e) => {
      events.push(e);
      wake();
    },
  });
  body.on('data', (chunk: Buffer) => parser.feed(chunk.toString('utf8')));
  const done = () => {
    ended = true;
    wake();
  };
  body.on('end', done);
  body.on('error', done);
  body.on('close', done);
  let cursor = 0;
  return {
    events,
    /** The next event matching `pred`, or undefined when the stream ends or 5 s pass. */
    async next(pred: (e: EventSourceMessage) => boolean): Promise<EventSourceMessage | undefined> {
      const deadline = Date.now() + 5_000;
      while (true) {
        while (cursor < events.length) {
          const e = events[cursor++]!;
          if (pred(e)) return e;
        }
        if (ended || Date.now() >= deadline) return undefined;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    },
  };
}

const isResponse = (m: Record<string, unknown>) => 'id' in m && ('result' in m || 'error' in m);

function jsonMessages(text: string): Record<string, unknown>[] {
  try {
    const v = JSON.parse(text) as unknown;
    const list = Array.isArray(v) ? v : [v];
    return list.filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null);
  } catch {
    return [];
  }
}

export async function surveyLabServer(server: RunningLabServer, kb: KnowledgeBase): Promise<Survey> {
  const agent = new Agent({ keepAliveTimeout: 1_000 });
  const responses: ProbeResponse[] = [];
  const base = server.url;
  const def = server.def;
  const mcpPath = def.mcpPath && def.transport !== 'sse' ? def.mcpPath : '/mcp';

  const send = async (
    probe: string,
    method: string,
    path: string,
    opts: { headers?: Record<string, string>; json?: unknown; raw?: string } = {},
  ): Promise<ProbeResponse> => {
    const body = opts.raw ?? (opts.json === undefined ? undefined : JSON.stringify(opts.json));
    const headers: Record<string, string> = { ...opts.headers };
    if (body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
    const rpcMethod = (opts.json as { method?: string } | undefined)?.method;
    const res = await request(new URL(path, base), {
      method: method as 'GET',
      headers,
      body: body ?? null,
      dispatcher: agent,
      signal: AbortSignal.timeout(10_000),
    });
    const hdrs: [string, string][] = [];
    for (const [k, v] of Object.entries(res.headers))
      for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined) hdrs.push([k, one]);
    const ct = String(res.headers['content-type'] ?? '');
    let text = '';
    let messages: Record<string, unknown>[] = [];
    if (ct.startsWith('text/event-stream')) {
      const reader = sseReader(res.body);
      const reply = await reader.next((e) => {
        try {
          return isResponse(JSON.parse(e.data) as Record<string, unknown>);
        } catch {
          return false;
        }
      });
      res.body.destroy();
      text = reader.events.map((e) => `event: ${e.event ?? 'message'}\ndata: ${e.data}\n`).join('\n');
      messages = reply ? jsonMessages(reply.data) : [];
    } else {
      text = await res.body.text();
      messages = jsonMessages(text);
    }
    const r: ProbeResponse = {
      probe,
      request: `${method} ${path}${rpcMethod ? ` ${rpcMethod}` : ''}`,
      path: new URL(path, base).pathname,
      status: res.statusCode,
      headers: hdrs,
      body: text,
      messages,
      ...(rpcMethod ? { rpcMethod } : {}),
    };
    responses.push(r);
    return r;
  };

  /** GET an SSE path; on an `endpoint` event, initialize over it and read the answer from the stream. */
  const sseOpen = async (path: string) => {
    const controller = new AbortController();
    const res = await request(new URL(path, base), {
      method: 'GET',
      headers: { accept: 'text/event-stream' },
      dispatcher: agent,
      signal: controller.signal,
    });
    const hdrs = Object.entries(res.headers).map(([k, v]) => [k, String(v)] as [string, string]);
    const r: ProbeResponse = {
      probe: 'sse-open',
      request: `GET ${path}`,
      path,
      status: res.statusCode,
      headers: hdrs,
      body: '',
      messages: [],
    };
    responses.push(r);
    if (!String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
      r.body = await res.body.text();
      return;
    }
    try {
      const reader = sseReader(res.body);
      const endpoint = await reader.next((e) => e.event === 'endpoint');
      if (!endpoint) return;
      r.endpoint = endpoint.data;
      const target = new URL(endpoint.data, new URL(path, base));
      await send('sse-post', 'POST', target.pathname + target.search, { json: initialize(7) });
      const reply = await reader.next((e) => {
        try {
          return isResponse(JSON.parse(e.data) as Record<string, unknown>);
        } catch {
          return false;
        }
      });
      r.body = reader.events.map((e) => `event: ${e.event ?? 'message'}\ndata: ${e.data}\n`).join('\n');
      if (reply) r.messages = jsonMessages(reply.data);
    } finally {
      controller.abort();
      res.body.destroy();
    }
  };

  try {
    const root = await send('root', 'GET', '/');
    // A known web UI: its first scripts, where bundles inline the version.
    if (kb.uis.some((u) => u.page.test(root.body))) {
      for (const m of [...root.body.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].slice(0, 2))
        await send('ui-asset', 'GET', new URL(m[1]!, base).pathname);
    }
    await send('not-found', 'GET', `/lab-${randomUUID().slice(0, 8)}`);
    for (const e of kb.endpoints) await send('endpoint', 'GET', e.path);

    // MCP over Streamable HTTP: initialize, then (in a session when one is given) list and misbehave.
    const init = await send('mcp-post', 'POST', mcpPath, {
      headers: { accept: ACCEPT_BOTH },
      json: initialize(),
    });
    const result = init.messages.find((m) => 'result' in m)?.['result'] as
      | { protocolVersion?: string }
      | undefined;
    const negotiated = result?.protocolVersion ?? '2025-03-26';
    const sessionId = init.headers.find(([k]) => k === 'mcp-session-id')?.[1];
    if (result) {
      const session: Record<string, string> = sessionId ? { 'mcp-session-id': sessionId } : {};
      await send('mcp-session', 'POST', mcpPath, {
        headers: { accept: ACCEPT_BOTH, 'mcp-protocol-version': negotiated, ...session },
        json: { jsonrpc: '2.0', method: 'notifications/initialized' },
      });
      await send('mcp-post', 'POST', mcpPath, {
        headers: { accept: ACCEPT_BOTH, 'mcp-protocol-version': negotiated, ...session },
        json: { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      });
      await send('err-protocol-version', 'POST', mcpPath, {
        headers: { accept: ACCEPT_BOTH, 'mcp-protocol-version': '1900-01-01', ...session },
        json: { jsonrpc: '2.0', id: 3, method: 'tools/list' },
      });
      if (sessionId)
        await send('mcp-session', 'DELETE', mcpPath, {
          headers: { 'mcp-protocol-version': negotiated, ...session },
        });
    }

    // MCP 2026-07-28: discover, then a stateless request carrying the envelope.
    const modernHeaders = (method: string) => ({
      accept: ACCEPT_BOTH,
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
    });
    const discover = await send('mcp-post', 'POST', mcpPath, {
      headers: modernHeaders('server/discover'),
      json: { jsonrpc: '2.0', id: 'discover-1', method: 'server/discover', params: { _meta: modernMeta } },
    });
    if (discover.messages.some((m) => 'result' in m))
      await send('mcp-post', 'POST', mcpPath, {
        headers: modernHeaders('tools/list'),
        json: { jsonrpc: '2.0', id: 4, method: 'tools/list', params: { _meta: modernMeta } },
      });

    for (const p of kb.mcp.ssePaths) await sseOpen(p);

    const initBody = initialize(9);
    await send('err-json', 'POST', mcpPath, { headers: { accept: ACCEPT_BOTH }, raw: '{"jsonrpc":' });
    await send('err-content-type', 'POST', mcpPath, {
      headers: { accept: ACCEPT_BOTH, 'content-type': 'text/plain' },
      raw: JSON.stringify(initBody),
    });
    await send('err-accept', 'POST', mcpPath, { headers: { accept: 'application/json' }, json: initBody });
    await send('err-method', 'PUT', mcpPath, { headers: { accept: ACCEPT_BOTH }, json: initBody });
    await send('err-protocol-version', 'POST', mcpPath, {
      headers: { accept: ACCEPT_BOTH, 'mcp-protocol-version': '1900-01-01' },
      json: { jsonrpc: '2.0', id: 5, method: 'tools/list' },
    });
    await send('err-host', 'POST', mcpPath, {
      headers: { accept: ACCEPT_BOTH, host: 'evil.example' },
      json: initBody,
    });
  } finally {
    await agent.destroy();
  }
  return { responses, ...derive(responses, kb) };
}

const VERSION_IN_TEXT = /\bv?(\d+\.\d+\.\d+[\w.+-]*)/;
const SUPPORTED_IN_MESSAGE = /supported versions?:?\s*\(?\s*\d{4}-\d{2}-\d{2}/i;

/** What the knowledge base makes of a set of answers. */
export function derive(responses: ProbeResponse[], kb: KnowledgeBase): Omit<Survey, 'responses'> {
  const findings = new Map<string, ObservedFinding>();
  const products = new Map<string, Set<string>>();
  const add = (id: string, claims: VersionClaim[], evidence: string, path?: string) => {
    const key = id === 'endpoint-version' ? `${id} ${path}` : id;
    const f = findings.get(key) ?? { id, claims: [], evidence: [], ...(path ? { path } : {}) };
    f.claims.push(...claims);
    f.evidence.push(evidence);
    findings.set(key, f);
    for (const c of claims) {
      if (!c.product) continue;
      const p = c.product.toLowerCase();
      const versions = products.get(p) ?? new Set<string>();
      if (c.version) versions.add(c.version);
      products.set(p, versions);
    }
  };
  const metaKey = kb.mcp.metaServerInfoKey;

  for (const r of responses) {
    for (const hit of matchHeaders(r.headers, kb))
      add(hit.signature.id, hit.claims, `${r.request} → ${hit.header}: ${hit.value}`);
    for (const hit of matchPatterns(r.body, kb))
      add(hit.signature.id, hit.claims, `${r.request} → ${hit.excerpt}`, r.path);
    if (r.probe === 'endpoint') {
      const json = jsonMessages(r.body)[0];
      if (json) {
        const info = versionFromJson(json, kb);
        if (info.version) {
          const claim: VersionClaim = {
            version: info.version,
            ...(info.product ? { product: info.product } : {}),
          };
          add('endpoint-version', [claim], `${r.request} → ${r.body.slice(0, 200)}`, r.path);
        }
      }
      for (const t of versionsFromText(r.body, kb))
        add(t.id, [t.claim], `${r.request} → ${t.excerpt}`, r.path);
    }
    for (const m of r.messages) {
      const result = m['result'] as Record<string, unknown> | undefined;
      const error = m['error'] as { message?: unknown; data?: { supported?: unknown } } | undefined;
      if (result) {
        const info = result['serverInfo'] as { name?: string; version?: string } | undefined;
        const claimOf = (i: { name?: string; version?: string }): VersionClaim[] => [
          { ...(i.name ? { product: i.name } : {}), ...(i.version ? { version: i.version } : {}) },
        ];
        if (info && !isGenericServerInfo(info, kb))
          add(
            r.rpcMethod === 'server/discover' ? 'mcp-discover-serverinfo' : 'mcp-serverinfo',
            claimOf(info),
            `${r.request} → serverInfo ${JSON.stringify(info)}`,
          );
        const meta = (result['_meta'] as Record<string, unknown> | undefined)?.[metaKey] as
          | { name?: string; version?: string }
          | undefined;
        if (meta && !isGenericServerInfo(meta, kb)) {
          add('mcp-meta-serverinfo', claimOf(meta), `${r.request} → _meta ${JSON.stringify(meta)}`);
          if (r.rpcMethod === 'server/discover')
            add('mcp-discover-serverinfo', claimOf(meta), `${r.request} → _meta ${JSON.stringify(meta)}`);
        }
        const instructions = result['instructions'];
        const v = typeof instructions === 'string' ? VERSION_IN_TEXT.exec(instructions) : null;
        if (v)
          add(
            'mcp-instructions-version',
            [{ version: v[1]!, ...(info?.name || meta?.name ? { product: info?.name ?? meta?.name } : {}) }],
            `${r.request} → instructions ${String(instructions)}`,
          );
      }
      if (error) {
        const supported = error.data?.supported;
        if (
          (Array.isArray(supported) && supported.length > 0) ||
          (typeof error.message === 'string' && SUPPORTED_IN_MESSAGE.test(error.message))
        ) {
          // A list the knowledge base dates names the SDK.
          const listed = [...new Set(JSON.stringify(error).match(/\d{4}-\d{2}-\d{2}/g) ?? [])].filter(
            (d) => d !== '1900-01-01',
          );
          const known = kb.revisionLists.find((l) => l.list.join() === listed.join());
          add(
            'mcp-supported-versions',
            known ? [{ product: known.product }] : [],
            `${r.request} → ${JSON.stringify(error)}`,
            r.path,
          );
        }
      }
    }
  }

  const root = responses.find((r) => r.probe === 'root' && r.status < 300);
  for (const ui of kb.uis) {
    if (!root || !ui.page.test(root.body)) continue;
    let version: string | undefined;
    for (const r of responses.filter((x) => x.probe === 'ui-asset'))
      for (const re of ui.asset) version ??= re.exec(r.body)?.groups?.['version'];
    add(ui.id, [{ product: ui.product, ...(version ? { version } : {}) }], `${root.request} → ${ui.title}`);
  }

  for (const fp of kb.fingerprints) {
    const holds = fp.when.every((c) =>
      responses.some((r) => {
        if (r.probe !== c.probe) return false;
        if (c.status && !c.status.includes(r.status)) return false;
        if (c.body && !c.body.test(r.body)) return false;
        if (c.endpoint && !(r.endpoint !== undefined && c.endpoint.test(r.endpoint))) return false;
        for (const [name, re] of c.header ?? []) {
          const value = r.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
          if (value === undefined || !re.test(value)) return false;
        }
        return true;
      }),
    );
    if (holds) add(fp.id, [{ product: fp.product }], fp.title);
  }
  return { findings, products };
}
