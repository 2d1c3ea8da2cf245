/** Splitting the HTTP request line and finding quoted values; shared by the text parsers. */

import { unescapeLogValue } from './unescape.js';

export interface RequestLine {
  method: string | undefined;
  target: string | undefined;
  version: string | undefined;
}

/**
 * `GET /a?b HTTP/1.1` → method, target, version. A target with spaces (malformed requests) is kept whole;
 * `GET /x` (HTTP/0.9) has no version; a line without a space (`-`, garbage, a TLS hello) yields nothing.
 * `req` must already be unescaped.
 */
export function splitRequestLine(req: string): RequestLine {
  const a = req.indexOf(' ');
  if (a <= 0) return { method: undefined, target: undefined, version: undefined };
  const z = req.lastIndexOf(' ');
  if (z > a && req.startsWith('HTTP/', z + 1)) {
    return { method: req.slice(0, a), target: req.slice(a + 1, z), version: req.slice(z + 1) };
  }
  return { method: req.slice(0, a), target: req.slice(a + 1), version: undefined };
}

/** Index of the `"` closing a quoted value that starts at `from`, skipping `\"` escapes; -1 if none. */
export function closingQuote(s: string, from: number): number {
  let j = s.indexOf('"', from);
  while (j !== -1) {
    let k = j - 1;
    while (k >= from && s.charCodeAt(k) === 92) k--;
    // An even number of backslashes before the quote means they escape each other, not the quote.
    if ((j - 1 - k) % 2 === 0) return j;
    j = s.indexOf('"', j + 1);
  }
  return -1;
}

/** `-` means "not present" in CLF-style logs; `""` stays an empty string (an empty header was sent). */
export function dashless(v: string): string | undefined {
  if (v === '-') return undefined;
  return v.indexOf('\\') === -1 ? v : unescapeLogValue(v);
}

/** Non-negative integer, `-` as 0 (CLF's "no bytes"); NaN for anything else. */
export function parseCount(s: string, start: number, end: number): number {
  if (end - start === 1 && s.charCodeAt(start) === 45) return 0;
  if (end <= start || end - start > 15) return Number.NaN;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    v = v * 10 + c;
  }
  return v;
}
