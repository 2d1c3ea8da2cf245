/**
 * Sigma string values: `*` and `?` wildcards, `\` escapes (spec "Escape Character") and, for values
 * with the `expand` modifier, `%name%` placeholders.
 */

/** Matches any number of characters. */
export const STAR: unique symbol = Symbol('*');
/** Matches exactly one character. */
export const ONE: unique symbol = Symbol('?');

export interface Placeholder {
  readonly placeholder: string;
}

export type StrPart = string | typeof STAR | typeof ONE | Placeholder;

export interface SigmaStr {
  readonly parts: readonly StrPart[];
  /** True once an encoding modifier turned the value into bytes (one char per byte, latin1). */
  readonly bytes: boolean;
}

const PLACEHOLDER_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Parses a rule value as pySigma does: `\*`, `\?` and `\\` are escapes; a backslash before any other
 * character is kept as is (so `C:\Windows` needs no doubling). With `placeholders`, `%name%` becomes a
 * placeholder and `\%` a plain percent sign.
 */
export function parseSigmaString(raw: string, placeholders = false): StrPart[] {
  const parts: StrPart[] = [];
  let acc = '';
  const flush = () => {
    if (acc) parts.push(acc);
    acc = '';
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      const n = raw[i + 1];
      if (n === '*' || n === '?' || n === '\\' || (placeholders && n === '%')) {
        acc += n;
        i++;
      } else acc += c;
    } else if (c === '*') {
      flush();
      parts.push(STAR);
    } else if (c === '?') {
      flush();
      parts.push(ONE);
    } else if (c === '%' && placeholders) {
      const end = raw.indexOf('%', i + 1);
      const name = end > i + 1 ? raw.slice(i + 1, end) : '';
      if (name && PLACEHOLDER_NAME.test(name)) {
        flush();
        parts.push({ placeholder: name });
        i = end;
      } else acc += c;
    } else acc += c;
  }
  flush();
  return parts;
}

export function isPlaceholder(p: StrPart): p is Placeholder {
  return typeof p === 'object';
}

export function hasWildcards(parts: readonly StrPart[]): boolean {
  return parts.some((p) => p === STAR || p === ONE);
}

export function hasPlaceholders(parts: readonly StrPart[]): boolean {
  return parts.some(isPlaceholder);
}

/** The literal text of a value without wildcards or placeholders. */
export function plainText(parts: readonly StrPart[]): string {
  let s = '';
  for (const p of parts) if (typeof p === 'string') s += p;
  return s;
}

/** Joins adjacent literals and collapses runs of `*`, so later checks see a canonical form. */
export function normalizeParts(parts: readonly StrPart[]): StrPart[] {
  const out: StrPart[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (typeof p === 'string') {
      if (!p) continue;
      if (typeof last === 'string') out[out.length - 1] = last + p;
      else out.push(p);
    } else if (p === STAR && last === STAR) {
    } else out.push(p);
  }
  return out;
}

/** Renders a value back in Sigma syntax (for messages and ruleToJSON). */
export function renderSigmaString(parts: readonly StrPart[]): string {
  let s = '';
  for (const p of parts) {
    if (p === STAR) s += '*';
    else if (p === ONE) s += '?';
    else if (typeof p === 'object') s += `%${p.placeholder}%`;
    else s += p.replace(/([*?\\])/g, '\\$1');
  }
  return s;
}
