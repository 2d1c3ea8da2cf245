/**
 * `detect --follow`: tails log files across rotation and truncation (LogFollower) and alerts as alerts
 * open. The checkpoint holds each file's position and the correlation/alert state together, so a
 * restart resumes where it stopped: no line read twice, none skipped, no alert repeated.
 */
import type { Alert } from '../alerts/model.js';
import { AlertRuntime } from '../alerts/runtime.js';
import { expandInputs, LogFollower, loadCheckpoint } from '../logs/index.js';
import type { LogStats } from '../logs/pipeline.js';
import { UserError } from '../util/errors.js';
import { sampleLines } from './batch.js';
import { applyBatch, Matcher } from './match-batch.js';
import { linePrefilter, planPrefilter } from './prefilter.js';

export interface FollowOptions {
  paths: readonly string[];
  format: string;
  runtime: AlertRuntime;
  checkpoint?: string;
  /** Read what the files already hold first (default: start at their end, like tail -F). */
  fromStart?: boolean;
  onAlerts: (alerts: Alert[]) => void | Promise<void>;
  onProblem?: (p: { source: string; message: string }) => void;
  /** Checkpoint interval (default 5 s) and poll interval (default 1 s), for tests. */
  checkpointIntervalMs?: number;
  pollIntervalMs?: number;
  /** Pass over lines that hold none of the rules' literals without parsing them (default true). */
  prefilter?: boolean;
}

export interface Following {
  readonly stats: LogStats;
  /** Stops following and saves the checkpoint. */
  stop(): Promise<void>;
  /** Reads whatever is new now (tests, and an idle check). */
  poll(): Promise<void>;
}

export async function detectFollow(opts: FollowOptions): Promise<Following> {
  const rt = opts.runtime;
  if (opts.paths.includes('-'))
    throw new UserError(
      '--follow reads files; for a stream use `tail -F file | mcpward detect -`',
      '--follow',
    );
  // Globs are expanded once, now; plain paths may not exist yet (they are read when they appear).
  const paths: string[] = [];
  for (const p of opts.paths) paths.push(...(/[*?[\]{}]/.test(p) ? await expandInputs([p]) : [p]));
  // Restore before the follower can deliver anything.
  if (opts.checkpoint) {
    const cp = await loadCheckpoint(opts.checkpoint);
    if (cp?.state !== undefined) {
      try {
        rt.restore(cp.state);
      } catch (err) {
        throw new UserError(
          `checkpoint state does not fit these rules (${(err as Error).message}); delete it to start over`,
          opts.checkpoint,
        );
      }
    }
  }
  const fields = AlertRuntime.fieldsFor(rt.pack);
  const plan = opts.prefilter === false ? undefined : planPrefilter(rt.pack.engine, await sampleLines(paths));
  const matcher = new Matcher(rt.pack, fields, plan ? linePrefilter(plan.literals) : undefined);
  const formats = new Map<string, string>();
  const out: Alert[] = [];
  let follower: LogFollower | undefined;
  follower = await LogFollower.start({
    paths,
    format: opts.format,
    startAt: opts.fromStart ? 'start' : 'end',
    ...(opts.checkpoint ? { checkpoint: opts.checkpoint } : {}),
    ...(opts.checkpointIntervalMs !== undefined ? { checkpointIntervalMs: opts.checkpointIntervalMs } : {}),
    ...(opts.pollIntervalMs !== undefined ? { pollIntervalMs: opts.pollIntervalMs } : {}),
    getState: () => rt.snapshot(),
    onFormat: (d) => formats.set(d.source, d.format),
    onEvents: async (events, source) => {
      matcher.setFormat(formats.get(source) ?? '');
      for (const ev of events) matcher.add(ev);
      applyBatch(rt, fields, matcher.take(), 0, out);
      if (out.length) {
        const batch = out.splice(0);
        await opts.onAlerts(batch);
        // Record right after alerting, so a crash soon after does not repeat these alerts on restart.
        if (opts.checkpoint) void follower?.checkpoint().catch(() => {});
      }
    },
    ...(opts.onProblem ? { onProblem: opts.onProblem } : {}),
  });
  const f = follower;
  return {
    stats: f.stats,
    stop: () => f.stop(),
    poll: () => f.poll(),
  };
}
