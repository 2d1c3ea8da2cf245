import {
  applyEdits,
  arrayElements,
  type Edit,
  type Member,
  objectMembers,
  removeMemberEdit,
  skipWs,
} from './json-spans.js';

/**
 * What a server's JSON-RPC answers may say about the software behind them, and what to say instead.
 * Used on JSON bodies and on every SSE `data:` payload; the text is edited in place (json-spans.ts),
 * so only the members named here change.
 */
export interface IdentityPolicy {
  /** What serverInfo (and `_meta[metaKey]`) says instead: field → value, e.g. name/version. */
  readonly replace: Readonly<Record<string, string>>;
  /** serverInfo fields removed (title, websiteUrl, icons...). */
  readonly remove: readonly string[];
  /** The `_meta` key the 2026-07-28 revision puts serverInfo under. */
  readonly metaKey: string;
  /** Result members (e.g. `instructions`) removed when `strip` says so. */
  readonly resultFields: readonly string[];
  readonly strip: 'never' | 'versions' | 'always';
  /** Whether an in-band error's message or data discloses something; such errors become generic. */
  readonly errorDiscloses?: (text: string) => boolean;
  /** The generic error (code, message) that replaces a disclosing one with this code. */
  readonly genericError?: (code: number) => { code: number; message: string };
}

/** Version-like text: 1.2, v1.2.3, 3.11.4-rc1. Dates (2025-06-18) are not. */
const VERSION_TEXT = /\bv?\d+\.\d+(?:\.\d+)*(?:[-+][\w.]+)?\b/;

/** Byte strings whose presence means a body may need rewriting under `policy`. */
export function identityTriggers(policy: IdentityPolicy): string[] {
  const t = ['serverInfo'];
  if (policy.metaKey && !policy.metaKey.includes('serverInfo')) t.push(policy.metaKey);
  if (policy.strip !== 'never') for (const f of policy.resultFields) t.push(`"${f}"`);
  if (policy.errorDiscloses) t.push('"error"');
  return t;
}

function genericInfo(raw: string, policy: IdentityPolicy): string {
  let info: unknown;
  try {
    info = JSON.parse(raw);
  } catch {
    info = undefined;
  }
  const out: Record<string, unknown> = {};
  if (info && typeof info === 'object' && !Array.isArray(info)) {
    for (const [k, v] of Object.entries(info)) {
      if (policy.remove.includes(k)) continue;
      out[k] = k in policy.replace ? policy.replace[k] : v;
    }
  }
  for (const [k, v] of Object.entries(policy.replace)) if (!(k in out)) out[k] = v;
  return JSON.stringify(out);
}

/**
 * A server sends the same serverInfo on every answer: its replacement is computed once per policy.
 * Bounded, so a server that varies it cannot grow the cache.
 */
const infoCache = new WeakMap<IdentityPolicy, Map<string, string>>();

function replacementInfo(raw: string, policy: IdentityPolicy): string {
  let cache = infoCache.get(policy);
  if (!cache) {
    cache = new Map();
    infoCache.set(policy, cache);
  }
  let out = cache.get(raw);
  if (out === undefined) {
    out = genericInfo(raw, policy);
    if (cache.size >= 256) cache.clear();
    if (raw.length <= 4096) cache.set(raw, out);
  }
  return out;
}

function member(members: readonly Member[], key: string): Member | undefined {
  for (const m of members) if (m.key === key) return m;
  return undefined;
}

function editServerInfo(s: string, m: Member, policy: IdentityPolicy, edits: Edit[]): void {
  const raw = s.slice(m.valueStart, m.valueEnd);
  const text = replacementInfo(raw, policy);
  if (text !== raw) edits.push({ start: m.valueStart, end: m.valueEnd, text });
}

/** `_meta` of a result or notification: the serverInfo entry is made generic. */
function editMeta(s: string, meta: Member | undefined, policy: IdentityPolicy, edits: Edit[]): void {
  if (!meta) return;
  const inner = objectMembers(s, meta.valueStart);
  const info = inner && member(inner.members, policy.metaKey);
  if (info) editServerInfo(s, info, policy, edits);
}

function editResult(s: string, result: Member, policy: IdentityPolicy, edits: Edit[]): void {
  const obj = objectMembers(s, result.valueStart);
  if (!obj) return;
  const members = obj.members;
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    if (m.key === 'serverInfo') editServerInfo(s, m, policy, edits);
    else if (m.key === '_meta') editMeta(s, m, policy, edits);
    else if (policy.strip !== 'never' && policy.resultFields.includes(m.key)) {
      const text = s.slice(m.valueStart, m.valueEnd);
      if (policy.strip === 'always' || VERSION_TEXT.test(text)) edits.push(removeMemberEdit(members, i));
    }
  }
}

function editError(s: string, error: Member, policy: IdentityPolicy, edits: Edit[]): void {
  if (!policy.errorDiscloses || !policy.genericError) return;
  const obj = objectMembers(s, error.valueStart);
  if (!obj) return;
  let text = '';
  let code = -32603;
  for (const m of obj.members) {
    if (m.key === 'message' || m.key === 'data') text += `${s.slice(m.valueStart, m.valueEnd)}\n`;
    if (m.key === 'code') {
      const n = Number(s.slice(m.valueStart, m.valueEnd));
      if (Number.isInteger(n)) code = n;
    }
  }
  // Escaped text (\n, \") would hide a stack trace from the patterns: match the decoded form.
  let decoded = text;
  try {
    decoded = text
      .split('\n')
      .map((t) => (t.startsWith('"') ? (JSON.parse(t) as string) : t))
      .join('\n');
  } catch {
    // keep the raw text
  }
  if (!policy.errorDiscloses(decoded)) return;
  edits.push({
    start: error.valueStart,
    end: error.valueEnd,
    text: JSON.stringify(policy.genericError(code)),
  });
}

function editMessage(s: string, at: number, policy: IdentityPolicy, edits: Edit[]): void {
  const msg = objectMembers(s, at);
  if (!msg) return;
  for (const m of msg.members) {
    if (m.key === 'result') editResult(s, m, policy, edits);
    else if (m.key === 'error') editError(s, m, policy, edits);
    else if (m.key === 'params') {
      const params = objectMembers(s, m.valueStart);
      if (params) editMeta(s, member(params.members, '_meta'), policy, edits);
    }
  }
}

/**
 * Rewrites one JSON-RPC message or batch in JSON text. Returns the new text, or undefined when
 * nothing needed changing (or the text is not JSON: it is then left for the client to reject).
 */
export function rewriteIdentity(text: string, policy: IdentityPolicy): string | undefined {
  const start = skipWs(text, 0);
  const edits: Edit[] = [];
  const c = text.charCodeAt(start);
  if (c === 123) editMessage(text, start, policy, edits);
  else if (c === 91) {
    for (const at of arrayElements(text, start) ?? [])
      if (text.charCodeAt(at) === 123) editMessage(text, at, policy, edits);
  }
  if (edits.length === 0) return undefined;
  return applyEdits(text, edits);
}

/** Whether `text` contains any trigger (plain substring test). */
export function hasTrigger(text: string, triggers: readonly string[]): boolean {
  for (const t of triggers) if (text.includes(t)) return true;
  return false;
}
