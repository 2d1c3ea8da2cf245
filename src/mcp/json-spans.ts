/**
 * Finds where values sit in JSON text without parsing all of it, so a few members can be replaced
 * and every other byte kept as it was: numbers beyond 2^53, key order, spacing and escapes survive,
 * and a 5 MB tool result is skipped at string-search speed instead of parsed and re-serialised.
 *
 * Every function returns -1 for text that is not well-formed JSON at that position; callers then
 * leave the text alone.
 */

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COMMA = 44;
const COLON = 58;

export function skipWs(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) i++;
    else return i;
  }
}

/** `i` is at the opening quote; returns the index after the closing quote. */
export function skipString(s: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = s.indexOf('"', j);
    if (q === -1) return -1;
    // An escaped quote has an odd number of backslashes before it.
    let k = q - 1;
    while (k > i && s.charCodeAt(k) === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** Index after the value that starts at `i` (whitespace already skipped), or -1. */
export function skipValue(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return skipString(s, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) return skipContainer(s, i);
  // number, true, false, null: runs to the next delimiter
  let j = i;
  for (;;) {
    const d = s.charCodeAt(j);
    if (
      Number.isNaN(d) ||
      d === COMMA ||
      d === CLOSE_BRACE ||
      d === CLOSE_BRACKET ||
      d === 32 ||
      d === 10 ||
      d === 13 ||
      d === 9
    )
      break;
    j++;
  }
  return j > i ? j : -1;
}

function skipContainer(s: string, i: number): number {
  let depth = 0;
  let j = i;
  const n = s.length;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c === QUOTE) {
      j = skipString(s, j);
      if (j === -1) return -1;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return j + 1;
    }
    j++;
  }
  return -1;
}

/** One member of an object: the key (decoded), and where the member and its value sit. */
export interface Member {
  key: string;
  /** Index of the key's opening quote. */
  start: number;
  valueStart: number;
  valueEnd: number;
}

/**
 * The members of the object whose `{` is at `i`, or undefined when it is not a well-formed object.
 * Values are skipped, not parsed.
 */
export function objectMembers(s: string, i: number): { members: Member[]; end: number } | undefined {
  if (s.charCodeAt(i) !== OPEN_BRACE) return undefined;
  const members: Member[] = [];
  let j = skipWs(s, i + 1);
  if (s.charCodeAt(j) === CLOSE_BRACE) return { members, end: j + 1 };
  for (;;) {
    if (s.charCodeAt(j) !== QUOTE) return undefined;
    const keyEnd = skipString(s, j);
    if (keyEnd === -1) return undefined;
    const raw = s.slice(j + 1, keyEnd - 1);
    let key = raw;
    if (raw.includes('\\')) {
      try {
        key = JSON.parse(`"${raw}"`) as string;
      } catch {
        return undefined;
      }
    }
    let k = skipWs(s, keyEnd);
    if (s.charCodeAt(k) !== COLON) return undefined;
    const valueStart = skipWs(s, k + 1);
    const valueEnd = skipValue(s, valueStart);
    if (valueEnd === -1) return undefined;
    members.push({ key, start: j, valueStart, valueEnd });
    k = skipWs(s, valueEnd);
    const c = s.charCodeAt(k);
    if (c === CLOSE_BRACE) return { members, end: k + 1 };
    if (c !== COMMA) return undefined;
    j = skipWs(s, k + 1);
  }
}

/** Start indexes of the elements of the array whose `[` is at `i`. */
export function arrayElements(s: string, i: number): number[] | undefined {
  if (s.charCodeAt(i) !== OPEN_BRACKET) return undefined;
  const out: number[] = [];
  let j = skipWs(s, i + 1);
  if (s.charCodeAt(j) === CLOSE_BRACKET) return out;
  for (;;) {
    out.push(j);
    const end = skipValue(s, j);
    if (end === -1) return undefined;
    const k = skipWs(s, end);
    const c = s.charCodeAt(k);
    if (c === CLOSE_BRACKET) return out;
    if (c !== COMMA) return undefined;
    j = skipWs(s, k + 1);
  }
}

/** A replacement of `s.slice(start, end)`. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** The edit that removes member `index` of `members` together with one separating comma. */
export function removeMemberEdit(members: readonly Member[], index: number): Edit {
  const m = members[index]!;
  const next = members[index + 1];
  if (next) return { start: m.start, end: next.start, text: '' };
  const prev = members[index - 1];
  if (prev) return { start: prev.valueEnd, end: m.valueEnd, text: '' };
  return { start: m.start, end: m.valueEnd, text: '' };
}

/** Applies non-overlapping edits (in any order). */
export function applyEdits(s: string, edits: Edit[]): string {
  if (edits.length === 0) return s;
  edits.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const e of edits) {
    if (e.start < at) continue; // overlapping edit: the first one wins
    out += s.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + s.slice(at);
}
