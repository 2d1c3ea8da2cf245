/**
 * The detection condition grammar (sigma-rules-specification.md "Condition"). Precedence, least to
 * most binding: or, and, not, `x of`, parentheses.
 */
import { closest } from './context.js';

export type ConditionNode =
  | { readonly t: 'id'; readonly name: string }
  | { readonly t: 'and' | 'or'; readonly args: readonly ConditionNode[] }
  | { readonly t: 'not'; readonly arg: ConditionNode }
  | {
      readonly t: 'of';
      readonly quant: 'any' | 'all';
      readonly pattern: string;
      readonly names: readonly string[];
    };

interface Token {
  readonly text: string;
  readonly pos: number;
}

const OPERATORS = new Set(['and', 'or', 'not', 'of', 'them', '1', 'any', 'all']);

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:([()])|([^\s()]+))/y;
  re.lastIndex = 0;
  while (re.lastIndex < src.length) {
    const m = re.exec(src);
    if (!m) break;
    const text = m[1] ?? m[2];
    if (text === undefined) break;
    out.push({ text, pos: m.index + m[0].length - text.length + 1 });
  }
  return out;
}

/** Thrown with a message only; the caller adds the rule and the line. */
export class ConditionError extends Error {}

/**
 * Parses one condition string and resolves identifiers and `x of` patterns against the rule's
 * search identifiers.
 */
export function parseCondition(src: string, names: readonly string[]): ConditionNode {
  if (src.includes('|')) {
    throw new ConditionError(
      `'${src}' uses a pipe: aggregations (| count() ...) were removed in Sigma 2; write a correlation rule instead`,
    );
  }
  const toks = tokenize(src);
  if (toks.length === 0) throw new ConditionError('is empty');
  const known = new Set(names);
  let i = 0;
  const peek = () => toks[i]?.text;
  const where = () => (toks[i] ? `at position ${toks[i]!.pos} ('${toks[i]!.text}')` : 'at the end');
  const expectOperand = (): never => {
    throw new ConditionError(`expected a search identifier, 'not', 'x of' or '(' ${where()} in '${src}'`);
  };

  const parseOr = (): ConditionNode => {
    const args = [parseAnd()];
    while (peek() === 'or') {
      i++;
      args.push(parseAnd());
    }
    return args.length === 1 ? args[0]! : { t: 'or', args };
  };
  const parseAnd = (): ConditionNode => {
    const args = [parseNot()];
    while (peek() === 'and') {
      i++;
      args.push(parseNot());
    }
    return args.length === 1 ? args[0]! : { t: 'and', args };
  };
  const parseNot = (): ConditionNode => {
    if (peek() === 'not') {
      i++;
      return { t: 'not', arg: parseNot() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): ConditionNode => {
    const tok = toks[i];
    if (!tok) return expectOperand();
    if (tok.text === '(') {
      i++;
      const inner = parseOr();
      if (peek() !== ')') throw new ConditionError(`missing ')' ${where()} in '${src}'`);
      i++;
      return inner;
    }
    if (tok.text === '1' || tok.text === 'any' || tok.text === 'all') {
      if (toks[i + 1]?.text !== 'of') {
        if (known.has(tok.text)) {
          i++;
          return { t: 'id', name: tok.text };
        }
        throw new ConditionError(`expected 'of' after '${tok.text}' at position ${tok.pos} in '${src}'`);
      }
      const pat = toks[i + 2];
      if (!pat || pat.text === '(' || pat.text === ')') {
        i += 2;
        throw new ConditionError(`expected 'them' or a search identifier pattern ${where()} in '${src}'`);
      }
      i += 3;
      const quant = tok.text === 'all' ? 'all' : 'any';
      return { t: 'of', quant, pattern: pat.text, names: resolvePattern(pat.text, names) };
    }
    if (tok.text === ')' || (OPERATORS.has(tok.text) && !known.has(tok.text))) return expectOperand();
    i++;
    if (tok.text.includes('*')) {
      throw new ConditionError(
        `'${tok.text}' is a pattern: write '1 of ${tok.text}' or 'all of ${tok.text}'`,
      );
    }
    if (!known.has(tok.text)) {
      const lower = tok.text.toLowerCase();
      if (OPERATORS.has(lower))
        throw new ConditionError(`'${tok.text}' is not an operator: operators are lowercase ('${lower}')`);
      const hint = closest(tok.text, names);
      throw new ConditionError(
        `unknown search identifier '${tok.text}'${hint ? ` (did you mean '${hint}'?)` : ''}; the detection defines ${names.length ? names.map((n) => `'${n}'`).join(', ') : 'none'}`,
      );
    }
    return { t: 'id', name: tok.text };
  };

  const node = parseOr();
  if (i < toks.length) {
    const t = toks[i]!;
    const lower = t.text.toLowerCase();
    if ((lower === 'and' || lower === 'or') && lower !== t.text) {
      throw new ConditionError(`'${t.text}' is not an operator: operators are lowercase ('${lower}')`);
    }
    throw new ConditionError(`unexpected '${t.text}' at position ${t.pos} in '${src}'`);
  }
  return node;
}

function resolvePattern(pattern: string, names: readonly string[]): string[] {
  if (pattern === 'them') {
    const all = names.filter((n) => !n.startsWith('_'));
    if (!all.length) throw new ConditionError("'them' matches no search identifier");
    return all;
  }
  const re = new RegExp(`^${pattern.split('*').map(escapeRe).join('.*')}$`);
  const hits = names.filter((n) => re.test(n));
  if (!hits.length) {
    throw new ConditionError(
      `pattern '${pattern}' matches no search identifier (the detection defines ${names.map((n) => `'${n}'`).join(', ')})`,
    );
  }
  return hits;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Names a condition refers to, directly or through patterns. */
export function referencedNames(node: ConditionNode, out = new Set<string>()): Set<string> {
  switch (node.t) {
    case 'id':
      out.add(node.name);
      break;
    case 'of':
      for (const n of node.names) out.add(n);
      break;
    case 'not':
      referencedNames(node.arg, out);
      break;
    default:
      for (const a of node.args) referencedNames(a, out);
  }
  return out;
}
