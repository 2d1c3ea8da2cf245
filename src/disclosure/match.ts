import type { CompiledHeader, CompiledPattern, KnowledgeBase } from './load.js';
import type { EndpointSignature } from './schema.js';

/** A product and/or version that something in a response claims. */
export interface VersionClaim {
  product?: string;
  version?: string;
}

export interface HeaderHit {
  signature: CompiledHeader;
  header: string;
  value: string;
  claims: VersionClaim[];
}

export interface PatternHit {
  signature: CompiledPattern;
  excerpt: string;
  index: number;
  claims: VersionClaim[];
  path?: string;
}

const VERSION_RE = /^v?\d+(?:\.\d+){1,3}(?:[-+.][0-9A-Za-z.-]+)?$/;
/** True for strings shaped like software versions: 1.2, v1.2.3, 1.0.0-fork, 2025.7.1. */
export function looksLikeVersion(s: string): boolean {
  return VERSION_RE.test(s.trim());
}

function claimFrom(groups: Record<string, string | undefined> | undefined, product?: string): VersionClaim {
  const c: VersionClaim = {};
  const p = groups?.['product'] ?? product;
  if (p) c.product = p;
  if (groups?.['version']) c.version = groups['version'];
  return c;
}

/** Applies a global regex, collecting product/version claims from every match. */
function claimsOf(re: RegExp | undefined, value: string, product?: string): VersionClaim[] {
  if (!re) return product ? [{ product }] : [];
  const out: VersionClaim[] = [];
  re.lastIndex = 0;
  for (const m of value.matchAll(re)) {
    const c = claimFrom(m.groups, product);
    if (c.product || c.version) out.push(c);
    if (out.length >= 8) break;
  }
  if (out.length === 0 && product) out.push({ product });
  return out;
}

export function headerSignature(name: string, kb: KnowledgeBase): CompiledHeader | undefined {
  const n = name.toLowerCase();
  return kb.headers.find((h) => (h.name !== undefined ? h.name === n : n.startsWith(h.prefix!)));
}

/** Which response headers reveal something, and what. Header names are compared case-insensitively. */
export function matchHeaders(headers: Iterable<readonly [string, string]>, kb: KnowledgeBase): HeaderHit[] {
  const hits: HeaderHit[] = [];
  const seenFamily = new Set<string>();
  for (const [name, value] of headers) {
    const sig = headerSignature(name, kb);
    if (!sig) continue;
    // A prefix family (x-envoy-*) is one disclosure however many members appear.
    if (sig.prefix) {
      if (seenFamily.has(sig.id)) continue;
      seenFamily.add(sig.id);
    }
    hits.push({
      signature: sig,
      header: name.toLowerCase(),
      value,
      claims: claimsOf(sig.re, value, sig.product),
    });
  }
  return hits;
}

/** Whether guard lets a response header through. */
export function isAllowedHeader(name: string, kb: KnowledgeBase): boolean {
  return kb.allowlist.has(name.toLowerCase());
}

export function excerptAround(text: string, index: number, length: number, width = 160): string {
  const start = Math.max(0, index - 40);
  const end = Math.min(text.length, Math.max(index + length, start + width));
  const s = text
    .slice(start, Math.min(end, start + width))
    .replace(/\s+/g, ' ')
    .trim();
  return (start > 0 ? '…' : '') + s + (end < text.length ? '…' : '');
}

/** Body and error patterns found in a text. One hit per signature (the first match). */
export function matchPatterns(text: string, kb: KnowledgeBase): PatternHit[] {
  const hits: PatternHit[] = [];
  if (!text) return hits;
  for (const sig of kb.patterns) {
    sig.re.lastIndex = 0;
    const m = sig.re.exec(text);
    if (!m) continue;
    const claims: VersionClaim[] = [];
    const c = claimFrom(m.groups);
    if (c.product || c.version) claims.push(c);
    const hit: PatternHit = {
      signature: sig,
      excerpt: excerptAround(text, m.index, m[0].length),
      index: m.index,
      claims,
    };
    if (m.groups?.['path']) hit.path = m.groups['path'];
    hits.push(hit);
  }
  return hits;
}

export interface JsonVersionInfo extends VersionClaim {
  /** Every version-bearing field found, as `json.path = value`. */
  fields: { path: string; value: string }[];
}

/**
 * Finds version and name fields in a JSON value (to depth 4). Only string or number values shaped
 * like versions, commits or dates count, so `{"status":"ok"}` reveals nothing.
 */
export function versionFromJson(value: unknown, kb: KnowledgeBase): JsonVersionInfo {
  const out: JsonVersionInfo = { fields: [] };
  const walk = (v: unknown, path: string, depth: number, parentKey: string): void => {
    if (depth > 4 || v === null || typeof v !== 'object') return;
    const entries = Array.isArray(v)
      ? v.slice(0, 20).map((x, i) => [String(i), x] as const)
      : Object.entries(v);
    for (const [k, child] of entries) {
      const p = Array.isArray(v) ? `${path}[${k}]` : path ? `${path}.${k}` : k;
      const key = k.toLowerCase();
      if (typeof child === 'string' || typeof child === 'number') {
        const s = String(child).trim();
        const image = kb.imageKeys.has(key) ? IMAGE_REF.exec(s) : null;
        if (image?.groups) {
          out.fields.push({ path: p, value: s });
          if (!out.version && looksLikeVersion(image.groups['tag']!)) {
            out.version = image.groups['tag']!;
            out.product ??= image.groups['repo']!.split('/').pop()!;
          }
        } else if (kb.versionKeys.has(key) && isVersionish(key, s)) {
          out.fields.push({ path: p, value: s });
          if (!out.version && looksLikeVersion(s)) {
            out.version = s;
            // {"node": "20.1.0"}: the key names the product.
            if (
              ![
                'version',
                'serverversion',
                'server_version',
                'appversion',
                'app_version',
                'release',
                'buildversion',
              ].includes(key)
            )
              out.product ??= k;
            else if (parentKey && !/^\d+$/.test(parentKey) && depth > 0) out.product ??= parentKey;
          }
        } else if (kb.nameKeys.has(key) && typeof child === 'string' && s && s.length <= 100 && depth <= 1) {
          if (!out.product || out.product === parentKey) out.product = s;
        }
      } else {
        walk(child, p, depth + 1, k);
      }
    }
  };
  walk(value, '', 0, '');
  return out;
}

/** `ghcr.io/acme/mcp-server:1.2.3` (a digest-only reference has no tag and is not a version). */
const IMAGE_REF = /^(?<repo>[a-z0-9][\w.\-/:]*?[\w.-]):(?<tag>[\w][\w.+-]{0,127})$/i;
const HEX_COMMIT = /^[0-9a-f]{7,40}$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?/;
function isVersionish(key: string, s: string): boolean {
  if (!s || s.length > 80) return false;
  if (looksLikeVersion(s)) return true;
  if (/commit|sha/.test(key)) return HEX_COMMIT.test(s);
  if (/build|date|time/.test(key)) return ISO_DATE.test(s) || looksLikeVersion(s) || /^\d{8,}$/.test(s);
  return false;
}

/** Version numbers in Prometheus metrics and similar text bodies. */
export function versionsFromText(
  text: string,
  kb: KnowledgeBase,
): { id: string; claim: VersionClaim; excerpt: string }[] {
  const out: { id: string; claim: VersionClaim; excerpt: string }[] = [];
  for (const t of kb.textPatterns) {
    t.re.lastIndex = 0;
    for (const m of text.matchAll(t.re)) {
      const claim: VersionClaim = {};
      const product = m.groups?.['product'] ?? m.groups?.['metric'];
      if (product) claim.product = product;
      if (m.groups?.['version']) claim.version = m.groups['version'];
      out.push({ id: t.id, claim, excerpt: excerptAround(text, m.index ?? 0, m[0].length) });
      if (out.length >= 8) return out;
    }
  }
  return out;
}

export interface ServerInfoLike {
  name?: unknown;
  version?: unknown;
  title?: unknown;
}

/** Whether a serverInfo reveals anything: `mcp-server`/`1.0.0` does not. */
export function isGenericServerInfo(info: ServerInfoLike, kb: KnowledgeBase): boolean {
  const name = typeof info.name === 'string' ? info.name.trim().toLowerCase() : '';
  const version = typeof info.version === 'string' ? info.version.trim().toLowerCase() : '';
  const title = typeof info.title === 'string' ? info.title.trim().toLowerCase() : '';
  return (
    (name === '' || kb.mcp.genericNames.has(name)) &&
    kb.mcp.genericVersions.has(version) &&
    (title === '' || kb.mcp.genericNames.has(title))
  );
}

/** Normalises a request path (no query, no trailing slash, lowercase, collapsed slashes). */
export function normalisePath(path: string): string {
  let p = path.split(/[?#]/, 1)[0] ?? '';
  try {
    p = decodeURIComponent(p);
  } catch {
    // keep it as sent
  }
  p = p.replace(/\/{2,}/g, '/').toLowerCase();
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p || '/';
}

/** The version endpoint a request path targets, if any. */
export function versionEndpoint(path: string, kb: KnowledgeBase): EndpointSignature | undefined {
  const p = normalisePath(path);
  return kb.endpoints.find((e) => e.path.toLowerCase() === p);
}
