/**
 * Compiles a server's own log format definition into a line parser, once:
 *   - nginx `log_format` (`$remote_addr - $remote_user [$time_local] "$request" ...`), given as the bare
 *     string, as nginx.conf quoted parts, or as the whole `log_format name [escape=json] '...';` directive;
 *     a JSON template (`escape=json`, or a format starting with `{`) becomes a JSON key map;
 *   - Apache `LogFormat` (`%h %l %u %t \"%r\" %>s %b ...`), bare or as the whole directive.
 * Text formats become one anchored regular expression with a capture per variable: values that sit
 * between `"` or `[ ]` are matched up to the closing delimiter, others by what the variable looks like.
 */

import { UserError } from '../util/errors.js';
import { Acc } from './accumulate.js';
import { LineError, type LineParser, NO_REF } from './event.js';
import { apacheVar, nginxVar, type Setter, type VarSpec } from './format-vars.js';
import { unescapeLogValue } from './unescape.js';

export interface CompiledFormat {
  flavor: 'nginx' | 'apache';
  /** The format text after unquoting (what the parser matches). */
  format: string;
  /** `text` for a delimited line, `json` for an nginx JSON template. */
  shape: 'text' | 'json';
  parse: LineParser;
  /** Variables / directives that map to a field. */
  mapped: string[];
  /** Variables / directives matched but not mapped (unknown or deliberately dropped). */
  ignored: string[];
}

type Token = { lit: string } | { name: string; spec: VarSpec };

const QUOTED = '[^"\\\\]*(?:\\\\.[^"\\\\]*)*';
const BRACKETED = '[^\\]]*';

/** Chooses the flavour from the text: `$var` means nginx, `%x` means Apache. */
export function compileFormatString(input: string, where = '--log-format'): CompiledFormat {
  const t = input.trim();
  if (/^log_format\s/.test(t) || /\$\{?[A-Za-z_]/.test(t)) return compileNginxFormat(t, where);
  if (/^LogFormat\s/.test(t) || /%[!<>0-9,]*(\{[^}]*\})?[a-zA-Z%]/.test(t))
    return compileApacheFormat(t, where);
  throw new UserError('not a log format: expected nginx $variables or Apache %directives', where);
}

// ---------------------------------------------------------------- nginx

export function compileNginxFormat(input: string, where = '--log-format'): CompiledFormat {
  let s = input.trim();
  let escaping = 'default';
  const directive = /^log_format\s+\S+\s*/.exec(s);
  if (directive) s = s.slice(directive[0].length);
  for (let m = /^(escape|if)=(\S+)\s*/.exec(s); m; m = /^(escape|if)=(\S+)\s*/.exec(s)) {
    if (m[1] === 'escape') escaping = m[2]!;
    s = s.slice(m[0].length);
  }
  let text: string;
  if (s.startsWith("'") || s.startsWith('"')) text = nginxQuotedParts(s, where);
  else text = directive ? s.replace(/;\s*$/, '') : s;
  if (!text) throw new UserError('empty log_format', where);

  const tokens: Token[] = [];
  let lit = '';
  const re = /\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    lit += text.slice(last, m.index);
    if (lit) tokens.push({ lit });
    lit = '';
    const name = (m[1] ?? m[2])!;
    tokens.push({ name: '$' + name, spec: nginxVar(name) });
    last = m.index + m[0].length;
  }
  lit += text.slice(last);
  if (lit) tokens.push({ lit });
  if (!tokens.some((t) => 'name' in t)) throw new UserError('log_format has no $variables', where);
  if (escaping === 'json' || text.trimStart().startsWith('{')) return jsonTemplate(text, tokens, where);
  return build('nginx', text, tokens, where);
}

/** nginx.conf strings: `'a' "b"` concatenated, with `\'`, `\"`, `\\`, `\t`, `\n`, `\r` escapes. */
function nginxQuotedParts(s: string, where: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const q = s[i]!;
    if (q === ';') break;
    if (/\s/.test(q)) {
      i++;
      continue;
    }
    if (q !== "'" && q !== '"') throw new UserError(`unexpected '${q}' between quoted format parts`, where);
    i++;
    for (;;) {
      if (i >= s.length) throw new UserError(`unterminated ${q}-quoted format part`, where);
      const c = s[i]!;
      if (c === q) {
        i++;
        break;
      }
      if (c === '\\' && i + 1 < s.length) {
        const n = s[i + 1]!;
        out += n === 't' ? '\t' : n === 'n' ? '\n' : n === 'r' ? '\r' : n;
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
  }
  return out;
}

/** `{"ip":"$remote_addr","status":$status}`: JSON keys whose value is exactly one variable. */
function jsonTemplate(text: string, tokens: Token[], where: string): CompiledFormat {
  const setters = new Map<string, Setter>();
  const mapped: string[] = [];
  const ignored: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"\s*:\s*("?)\$\{?([A-Za-z0-9_]+)\}?\2\s*(?=[,}])/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const spec = nginxVar(m[3]!);
    if (spec.set) {
      setters.set(m[1]!, spec.set);
      mapped.push('$' + m[3]);
    } else ignored.push('$' + m[3]);
  }
  if (setters.size === 0) throw new UserError('JSON log_format maps no known $variable to a key', where);
  for (const t of tokens)
    if ('name' in t && !mapped.includes(t.name) && !ignored.includes(t.name)) ignored.push(t.name);
  const parse: LineParser = (line, ref = NO_REF) => {
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      return new LineError('not valid JSON (truncated line?)');
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
      return new LineError('not a JSON object');
    const acc = new Acc();
    applyKeys(obj as Record<string, unknown>, setters, acc);
    return acc.toEvent(line, ref);
  };
  return { flavor: 'nginx', format: text, shape: 'json', parse, mapped, ignored };
}

function applyKeys(obj: Record<string, unknown>, setters: Map<string, Setter>, acc: Acc): void {
  for (const key in obj) {
    const val = obj[key];
    if (val === null || val === undefined) continue;
    if (typeof val === 'object') {
      if (!Array.isArray(val)) applyKeys(val as Record<string, unknown>, setters, acc);
      continue;
    }
    const set = setters.get(key);
    if (set) set(acc, String(val));
  }
}

// ---------------------------------------------------------------- Apache

export function compileApacheFormat(input: string, where = '--log-format'): CompiledFormat {
  let s = input.trim();
  const directive = /^(?:Custom|Transfer)?Log(?:Format)?\s+/.exec(s);
  if (directive) s = s.slice(directive[0].length);
  let text: string;
  if (s.startsWith('"')) {
    // `"...format..." nickname`: the quoted argument, C-style escapes.
    let i = 1;
    text = '';
    for (; i < s.length && s[i] !== '"'; i++) {
      if (s[i] === '\\' && i + 1 < s.length) {
        const n = s[++i]!;
        text += n === 't' ? '\t' : n === 'n' ? '\n' : n;
      } else text += s[i];
    }
    if (i >= s.length) throw new UserError('unterminated quoted LogFormat', where);
  } else {
    // A bare format as copied from the config: `\"` still escaped.
    text = s.replace(/\\(["\\])/g, '$1').replace(/\\t/g, '\t');
  }
  const tokens: Token[] = [];
  let lit = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c !== '%') {
      lit += c;
      i++;
      continue;
    }
    let j = i + 1;
    if (text[j] === '%') {
      lit += '%';
      i = j + 1;
      continue;
    }
    while (j < text.length && '!<>,0123456789'.includes(text[j]!)) j++;
    let arg: string | undefined;
    if (text[j] === '{') {
      const end = text.indexOf('}', j);
      if (end === -1) throw new UserError(`unterminated %{ in LogFormat at column ${j + 1}`, where);
      arg = text.slice(j + 1, end);
      j = end + 1;
      while (j < text.length && '<>'.includes(text[j]!)) j++;
    }
    let letter = text[j];
    if (letter === undefined) throw new UserError(`LogFormat ends inside a % directive`, where);
    if (letter === '^') letter = text.slice(j, j + 3);
    if (!/^[a-zA-Z^]/.test(letter)) throw new UserError(`unknown LogFormat directive %${letter}`, where);
    if (lit) tokens.push({ lit });
    lit = '';
    tokens.push({ name: text.slice(i, j + letter.length), spec: apacheVar(letter, arg) });
    i = j + letter.length;
  }
  if (lit) tokens.push({ lit });
  if (!tokens.some((t) => 'name' in t)) throw new UserError('LogFormat has no % directives', where);
  return build('apache', text, tokens, where);
}

// ---------------------------------------------------------------- shared

function escapeRe(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

function fieldPattern(tokens: Token[], i: number): string {
  const t = tokens[i] as { spec: VarSpec };
  const prev = tokens[i - 1];
  const next = tokens[i + 1];
  const before = prev && 'lit' in prev ? prev.lit : '';
  const after = next && 'lit' in next ? next.lit : '';
  if (before.endsWith('"') && after.startsWith('"')) return QUOTED;
  if (before.endsWith('[') && after.startsWith(']')) return BRACKETED;
  return t.spec.pattern;
}

function build(flavor: 'nginx' | 'apache', text: string, tokens: Token[], where: string): CompiledFormat {
  const parts: string[] = [];
  const setters: (Setter | undefined)[] = [];
  const names: string[] = [];
  const mapped: string[] = [];
  const ignored: string[] = [];
  tokens.forEach((t, i) => {
    if ('lit' in t) {
      parts.push(escapeRe(t.lit));
      return;
    }
    parts.push(`(${fieldPattern(tokens, i)})`);
    setters.push(t.spec.set);
    names.push(t.name);
    (t.spec.set ? mapped : ignored).push(t.name);
  });
  let re: RegExp;
  try {
    re = new RegExp(`^${parts.join('')}$`);
  } catch (err) {
    throw new UserError(`cannot compile log format (${(err as Error).message})`, where);
  }
  let prefixes: RegExp[] | undefined;
  // On a mismatch, find the first token that does not match, to say where the line went wrong.
  const explain = (line: string): LineError => {
    prefixes ??= parts.map((_, k) => new RegExp(`^${parts.slice(0, k + 1).join('')}`));
    let k = 0;
    while (k < prefixes.length && prefixes[k]!.test(line)) k++;
    const t = tokens[k];
    const what = t === undefined ? 'end of line' : 'lit' in t ? JSON.stringify(t.lit) : t.name;
    const at = k === 0 ? 0 : (prefixes[k - 1]!.exec(line)?.[0].length ?? 0);
    return new LineError(
      t === undefined
        ? `unexpected text after the last field at column ${at + 1}`
        : `expected ${what} at column ${at + 1} (line does not match the log format)`,
    );
  };
  const parse: LineParser = (line, ref = NO_REF) => {
    const m = re.exec(line);
    if (m === null) return explain(line);
    const acc = new Acc();
    for (let i = 0; i < setters.length; i++) {
      const set = setters[i];
      if (set === undefined) continue;
      let val = m[i + 1]!;
      if (val.indexOf('\\') !== -1) val = unescapeLogValue(val);
      set(acc, val);
    }
    return acc.toEvent(line, ref);
  };
  return { flavor, format: text, shape: 'text', parse, mapped, ignored };
}
