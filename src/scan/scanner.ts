import { defaultKnowledgeBase, type KnowledgeBase } from '../disclosure/load.js';
import { advisoryEnricher } from '../intel/enrich.js';
import type { TargetResult } from '../report/model.js';
import { packageVersion } from '../util/version.js';
import { analyze } from './analyze/index.js';
import { HttpClient, type ProbeRequest } from './http.js';
import { probeTarget } from './probe-target.js';
import type { ScanTarget } from './targets.js';

export interface ScanOptions {
  /** Targets probed at once. */
  concurrency: number;
  /** Requests per second across the scan. */
  rate?: number;
  /** Per-request deadline. */
  timeoutMs: number;
  /** Bytes of any body read. */
  maxBodyBytes: number;
  /** Requests sent to one target at most. */
  maxRequests: number;
  /** Consecutive failed requests before a target is given up. */
  maxErrors: number;
  userAgent: string;
  headers: [string, string][];
  insecure: boolean;
  /** More paths to GET, in addition to the catalogue's version endpoints. */
  extraPaths: string[];
  kb: KnowledgeBase;
  /** Match disclosed versions to known advisories and vulnerable forks (default on). */
  advisories: boolean;
  /** Replaces the default advisory matching (or adds anything else to a result). */
  enrich?: (result: TargetResult) => TargetResult;
  /** Sees every request before it is sent (tracing, benchmarks). */
  onRequest?: (req: ProbeRequest) => void;
}

export const DEFAULT_USER_AGENT = `mcpward/${packageVersion} (+https://github.com/mcpward/mcpward)`;

export function defaultScanOptions(): ScanOptions {
  return {
    concurrency: 32,
    timeoutMs: 5000,
    maxBodyBytes: 64 * 1024,
    maxRequests: 100,
    maxErrors: 3,
    userAgent: DEFAULT_USER_AGENT,
    headers: [],
    insecure: false,
    extraPaths: [],
    kb: defaultKnowledgeBase(),
    advisories: true,
  };
}

async function scanOne(http: HttpClient, target: ScanTarget, opts: ScanOptions): Promise<TargetResult> {
  const started = performance.now();
  const outcome = await probeTarget(
    http,
    target,
    opts.kb,
    { maxRequests: opts.maxRequests, maxErrors: opts.maxErrors },
    { name: 'mcpward', version: packageVersion },
    { extraPaths: opts.extraPaths },
  );
  const analysis = analyze(target.origin, target.url, outcome.observations, outcome.endpoint, opts.kb);
  let result: TargetResult = {
    target: target.url,
    status: outcome.status,
    fingerprints: analysis.fingerprints,
    findings: analysis.findings,
    requests: outcome.requests,
    durationMs: Math.round(performance.now() - started),
  };
  if (target.source) result.origin = { ...target.source };
  if (outcome.error) result.error = outcome.error;
  if (analysis.mcp) result.mcp = analysis.mcp;
  if (opts.enrich) result = opts.enrich(result);
  return result;
}

/**
 * Scans targets with at most `concurrency` in flight, yielding each result as its target finishes.
 * Targets are pulled lazily, so a huge list (or a CIDR range) never sits in memory.
 */
export async function* scanTargets(
  targets: Iterable<ScanTarget> | AsyncIterable<ScanTarget>,
  options: Partial<ScanOptions> = {},
): AsyncGenerator<TargetResult> {
  const opts: ScanOptions = { ...defaultScanOptions(), ...options };
  if (!opts.enrich && opts.advisories) opts.enrich = advisoryEnricher();
  const http = new HttpClient({
    timeoutMs: opts.timeoutMs,
    maxBodyBytes: opts.maxBodyBytes,
    userAgent: opts.userAgent,
    headers: opts.headers,
    insecure: opts.insecure,
    ...(opts.rate ? { rate: opts.rate } : {}),
    ...(opts.onRequest ? { onRequest: opts.onRequest } : {}),
  });
  const iterator =
    Symbol.asyncIterator in targets
      ? (targets as AsyncIterable<ScanTarget>)[Symbol.asyncIterator]()
      : (targets as Iterable<ScanTarget>)[Symbol.iterator]();
  const running = new Map<number, Promise<{ key: number; result: TargetResult }>>();
  let next = 0;
  let exhausted = false;
  const fill = async () => {
    while (!exhausted && running.size < opts.concurrency) {
      const r = await iterator.next();
      if (r.done) {
        exhausted = true;
        break;
      }
      const key = next++;
      running.set(
        key,
        scanOne(http, r.value, opts).then((result) => ({ key, result })),
      );
    }
  };
  try {
    await fill();
    while (running.size > 0) {
      const { key, result } = await Promise.race(running.values());
      running.delete(key);
      yield result;
      await fill();
    }
  } finally {
    await Promise.allSettled(running.values());
    await http.close();
  }
}

/** Scans and collects every result (for a handful of targets; stream with scanTargets for many). */
export async function scan(
  targets: Iterable<ScanTarget>,
  options: Partial<ScanOptions> = {},
): Promise<TargetResult[]> {
  const out: TargetResult[] = [];
  for await (const r of scanTargets(targets, options)) out.push(r);
  return out;
}
