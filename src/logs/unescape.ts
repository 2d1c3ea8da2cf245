/**
 * Undoes the escaping nginx (`\xHH` for `"`, `\`, control and non-ASCII bytes) and Apache (`\"`, `\\`,
 * `\n`, `\t`, `\xhh`) and nginx `escape=json` (`\uXXXX`) apply to logged values, so rules see what the client sent. Escaped bytes are
 * collected and decoded as UTF-8, because both servers escape a multi-byte character byte by byte.
 * Only called when a value contains a backslash, which is rare.
 */
export function unescapeLogValue(s: string): string {
  if (s.indexOf('\\') === -1) return s;
  const bytes: number[] = [];
  let out = '';
  const flush = () => {
    if (bytes.length) {
      out += Buffer.from(bytes).toString('utf8');
      bytes.length = 0;
    }
  };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 92 || i + 1 >= s.length) {
      flush();
      out += s[i];
      continue;
    }
    const n = s[i + 1]!;
    if (n === 'x' && i + 3 < s.length && isHex(s.charCodeAt(i + 2)) && isHex(s.charCodeAt(i + 3))) {
      bytes.push(Number.parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
      continue;
    }
    if (n === 'u' && i + 5 < s.length && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
      // JSON escaping (nginx escape=json): a UTF-16 code unit, pairs recombine when appended in order.
      flush();
      out += String.fromCharCode(Number.parseInt(s.slice(i + 2, i + 6), 16));
      i += 5;
      continue;
    }
    flush();
    const simple = SIMPLE[n];
    if (simple !== undefined) {
      out += simple;
      i += 1;
    } else {
      out += '\\';
    }
  }
  flush();
  return out;
}

const SIMPLE: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  n: '\n',
  t: '\t',
  r: '\r',
  v: '\v',
  f: '\f',
  b: '\b',
};

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
