/**
 * Access-log parser throughput: lines/s per format, over lines from the seeded generator.
 *   parse  = the pure line parser over in-memory strings;
 *   read   = the whole input path from a file (byte splitter + UTF-8 checks + parse + batches).
 * Usage: npm run build && node dist/bench/logs/run.js [--lines N] [--seed S] [--only name]
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LineError, type LineParser } from '../../src/logs/event.js';
import { compileFormatString } from '../../src/logs/format-string.js';
import { namedFormat } from '../../src/logs/formats.js';
import { LogReader } from '../../src/logs/input.js';
import { createAccessLog } from '../lib/gen-access-log.js';
import { APACHE_CUSTOM, NGINX_CUSTOM, NGINX_JSON, RENDER } from './render.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i !== -1 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}

const N = Number(arg('lines', '300000'));
const seed = Number(arg('seed', '42'));
const only = arg('only', '');

const PARSERS: Record<string, LineParser> = {
  combined: namedFormat('combined')!.parse,
  common: namedFormat('common')!.parse,
  vhost_combined: namedFormat('vhost_combined')!.parse,
  'nginx log_format': compileFormatString(NGINX_CUSTOM).parse,
  'apache LogFormat': compileFormatString(APACHE_CUSTOM).parse,
  'nginx escape=json': compileFormatString(NGINX_JSON).parse,
  caddy: namedFormat('caddy')!.parse,
  traefik: namedFormat('traefik')!.parse,
  envoy: namedFormat('envoy')!.parse,
  'mcpward audit': namedFormat('mcpward')!.parse,
};
const FORMAT_SPEC: Record<string, string> = {
  'nginx log_format': NGINX_CUSTOM,
  'apache LogFormat': APACHE_CUSTOM,
  'nginx escape=json': NGINX_JSON,
  'mcpward audit': 'mcpward',
};

function rate(lines: number, ms: number): string {
  return `${((lines / ms) * 1000).toLocaleString('en-US', { maximumFractionDigits: 0 })}`.padStart(11);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mcpward-bench-logs-'));
  const records = [...createAccessLog({ seed, lines: N }).records()];
  console.log(
    `access-log parsers: ${N.toLocaleString('en-US')} generated lines per format (seed ${seed}), node ${process.version}`,
  );
  console.log(`${'format'.padEnd(20)} ${'parse l/s'.padStart(11)} ${'read l/s'.padStart(11)}  MB/s(read)`);
  try {
    for (const [name, render] of Object.entries(RENDER)) {
      if (only && name !== only) continue;
      const parse = PARSERS[name]!;
      const lines = records.map(render);
      // Warm up, and check every line parses: a benchmark of failures would be meaningless.
      for (let i = 0; i < Math.min(lines.length, 20_000); i++) {
        const r = parse(lines[i]!);
        if (r instanceof LineError)
          throw new Error(`${name}: line ${i + 1} did not parse: ${r.reason}\n${lines[i]}`);
      }
      // Best of three warm passes: the JIT settles after the first, and the machine is shared.
      let parseMs = Number.POSITIVE_INFINITY;
      let ok = 0;
      for (let pass = 0; pass < 3; pass++) {
        const t = performance.now();
        ok = 0;
        for (const l of lines) if (!(parse(l) instanceof LineError)) ok++;
        parseMs = Math.min(parseMs, performance.now() - t);
      }
      const text = lines.join('\n') + '\n';
      const file = join(dir, `${name.replace(/\W+/g, '_')}.log`);
      writeFileSync(file, text);
      const readAll = async (path: string, format: string) => {
        let best = Number.POSITIVE_INFINITY;
        let events = 0;
        for (let pass = 0; pass < 3; pass++) {
          const t = performance.now();
          events = 0;
          for await (const batch of new LogReader([path], { format })) events += batch.length;
          best = Math.min(best, performance.now() - t);
        }
        return { events, ms: best };
      };
      const { events, ms: readMs } = await readAll(file, FORMAT_SPEC[name] ?? name.split(' ')[0]!);
      if (events !== N || ok !== N) throw new Error(`${name}: parsed ${ok}/${events} of ${N}`);
      const mbps = (Buffer.byteLength(text) / 1e6 / (readMs / 1000)).toFixed(0);
      console.log(`${name.padEnd(20)} ${rate(N, parseMs)} ${rate(N, readMs)}  ${mbps.padStart(5)}`);
      if (name === 'combined') {
        const gz = join(dir, 'combined.log.gz');
        writeFileSync(gz, gzipSync(text));
        const z = await readAll(gz, 'combined');
        console.log(`${'combined (.gz)'.padEnd(20)} ${''.padStart(11)} ${rate(z.events, z.ms)}`);
        const a = await readAll(file, 'auto');
        console.log(`${'combined (auto)'.padEnd(20)} ${''.padStart(11)} ${rate(a.events, a.ms)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
