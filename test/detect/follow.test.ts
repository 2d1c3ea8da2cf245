/**
 * `mcpward detect --follow` as a long-running process: a sweep split across a log rotation is caught
 * once; after SIGTERM and more rotation while it is stopped, a restart from the checkpoint neither
 * repeats that alert nor misses the lines written meanwhile.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cliPath } from '../helpers/cli.js';
import { clf } from './helpers.js';

const SWEEP = '80cb7494-86e8-4dc8-8031-05e2aa5bf3dd';
const UA = 'site-checker/1.0';

interface Running {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

function follow(args: string[]): Running {
  const child = spawn(process.execPath, [cliPath, 'detect', '--follow', ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

/** Waits until `check` holds (a deadline only turns a hang into a failure; nothing is timed). */
async function until(what: string, check: () => boolean, run: Running): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr: ${run.stderr()}`);
    await sleep(50);
  }
}

function alerts(file: string): { rule: string; source: string; uris: string[] }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { rule: string; source: string; uris: string[] });
}

/** The checkpoint has recorded the current access.log up to its end. */
function caughtUp(ckpt: string, log: string): boolean {
  if (!existsSync(ckpt)) return false;
  const cp = JSON.parse(readFileSync(ckpt, 'utf8')) as { files: { offset: number; rotated: boolean }[] };
  const size = readFileSync(log).length;
  return cp.files.some((f) => !f.rotated && f.offset === size);
}

describe('detect --follow with rotation and a restart from the checkpoint', () => {
  let dir: string;
  let running: Running | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcpward-follow-'));
  });
  after(async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('alerts once per window across rotation and restarts, and misses nothing', async () => {
    const log = join(dir, 'access.log');
    const ckpt = join(dir, 'detect.ckpt');
    const out = join(dir, 'alerts.jsonl');
    const args = [log, '--checkpoint', ckpt, '--checkpoint-every', '50ms', '-f', 'jsonl', '-o', out];
    writeFileSync(log, `${clf({ path: '/', ua: UA, at: 0 })}\n`);

    running = follow([...args, '--from-start']);
    await until('the first line', () => caughtUp(ckpt, log), running);

    // Source A: two endpoints, then the log rotates, then the third endpoint in the new file.
    appendFileSync(log, `${clf({ ip: '203.0.113.1', path: '/version', ua: UA, at: 1 })}\n`);
    appendFileSync(log, `${clf({ ip: '203.0.113.1', path: '/health', ua: UA, at: 2 })}\n`);
    await until('source A, part one', () => caughtUp(ckpt, log), running);
    renameSync(log, `${log}.1`);
    writeFileSync(log, `${clf({ ip: '203.0.113.1', path: '/status', ua: UA, at: 3 })}\n`);
    await until('the sweep alert for A', () => alerts(out).length === 1, running);
    assert.deepEqual(
      alerts(out).map((a) => [a.rule, a.source]),
      [[SWEEP, '203.0.113.1']],
    );

    running.child.kill('SIGTERM');
    assert.equal(await running.exited, 0, running.stderr());

    // While stopped: three more endpoints from A within the same window (a new sweep unless the
    // restored state remembers A already alerted), another rotation, then a sweep by B.
    for (const [i, path] of ['/info', '/api/version', '/metrics'].entries())
      appendFileSync(log, `${clf({ ip: '203.0.113.1', path, ua: UA, at: 4 + i })}\n`);
    renameSync(`${log}.1`, `${log}.2`);
    renameSync(log, `${log}.1`);
    writeFileSync(
      log,
      ['/version', '/metrics', '/.well-known/mcp']
        .map((path, i) => clf({ ip: '198.51.100.2', path, ua: UA, at: 7 + i }))
        .join('\n') + '\n',
    );

    running = follow(args);
    await until('the sweep alert for B', () => alerts(out).length >= 2, running);
    await until('the new file read to its end', () => caughtUp(ckpt, log), running);
    running.child.kill('SIGINT');
    assert.equal(await running.exited, 0, running.stderr());

    const all = alerts(out);
    assert.deepEqual(
      all.map((a) => [a.rule, a.source]),
      [
        [SWEEP, '203.0.113.1'],
        [SWEEP, '198.51.100.2'],
      ],
    );
    assert.deepEqual(all[1]!.uris, ['/version', '/metrics', '/.well-known/mcp']);
    // The restart read only what was written while it was stopped (3 + 3 lines), from both files.
    assert.match(running.stderr(), /mcpward detect: 6 lines read = 6 evaluated \+ 0 skipped/);
  });
});
