/**
 * `--log-format auto`: tries every named format on the first non-empty lines of an input and picks the
 * one that turns the most of them into plausible events (a parse that puts `vhost:80` in `c-ip` is not
 * plausible). Ties go to the more specific format.
 */

import { LineError, type LineParser, type WebserverEvent } from './event.js';
import { namedFormat } from './formats.js';
import { type JsonFlavor, jsonFlavorOf } from './json.js';

export const SNIFF_LINES = 20;

export interface SniffResult {
  /** The chosen format's name (see FORMATS). */
  name: string;
  parse: LineParser;
  /** How many of the sampled lines it parsed. */
  matched: number;
  sampled: number;
}

/** Text formats in order of preference when they parse equally many lines. */
const TEXT_CANDIDATES = ['vhost_combined', 'nginx_main', 'combined'];

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const IPV6 = /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*:[0-9a-fA-F:.%a-zA-Z]*$/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

function plausible(ev: WebserverEvent): boolean {
  const ip = ev['c-ip'];
  if (ip !== undefined && !IPV4.test(ip) && !IPV6.test(ip) && !HOSTNAME.test(ip)) return false;
  const m = ev['cs-method'];
  return m === undefined || /^[A-Z][A-Z_-]*$/.test(m);
}

function score(parse: LineParser, lines: readonly string[]): number {
  let n = 0;
  for (const l of lines) {
    const r = parse(l);
    if (!(r instanceof LineError) && plausible(r)) n++;
  }
  return n;
}

/** Picks a format for these sample lines (non-empty), or undefined when nothing parses any of them. */
export function sniffFormat(sample: readonly string[]): SniffResult | undefined {
  const lines = sample.filter((l) => l.trim() !== '').slice(0, SNIFF_LINES);
  if (lines.length === 0) return undefined;
  const json = lines.filter((l) => l.charCodeAt(0) === 123);
  let best: SniffResult | undefined;
  const consider = (name: string) => {
    const f = namedFormat(name)!;
    const matched = score(f.parse, lines);
    if (matched > 0 && (!best || matched > best.matched))
      best = { name: f.name, parse: f.parse, matched, sampled: lines.length };
  };
  if (json.length * 2 >= lines.length) {
    consider(jsonFlavor(json));
    consider('json');
  } else {
    for (const name of TEXT_CANDIDATES) consider(name);
    // One scanner reads both; call it common when no line has a quoted field after status and bytes.
    if (best?.name === 'combined' && !lines.some((l) => /" \d{3} (?:\d+|-) "/.test(l))) {
      best = { ...best, name: 'common', parse: namedFormat('common')!.parse };
    }
  }
  return best;
}

function jsonFlavor(lines: readonly string[]): JsonFlavor {
  let flavor: JsonFlavor | undefined;
  for (const l of lines) {
    let o: unknown;
    try {
      o = JSON.parse(l);
    } catch {
      continue;
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) continue;
    const f = jsonFlavorOf(o as Record<string, unknown>);
    if (flavor === undefined) flavor = f;
    else if (flavor !== f) return 'json';
  }
  return flavor ?? 'json';
}
