import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { labServers } from '../../src/lab/index.js';
import { cliPath, runCli } from '../helpers/cli.js';

interface LabJson {
  servers: { name: string; url: string; mcpUrl?: string; discloses: unknown[] }[];
}

/** Starts `mcpward lab ...args --json`, resolves once it has printed its servers. */
function startLabCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [cliPath, 'lab', ...args, '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const ready = new Promise<LabJson>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const nl = stdout.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(stdout.slice(0, nl)) as LabJson);
    });
    child.on('close', (code) => reject(new Error(`lab exited (${code}) before it was ready: ${stderr}`)));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  exited.then(() => clearTimeout(timer));
  return { child, ready, exited, stderr: () => stderr };
}

describe('mcpward lab', () => {
  it('--list names every server and what it discloses', async () => {
    const table = await runCli(['lab', '--list']);
    assert.equal(table.code, 0, table.stderr);
    for (const d of labServers) assert.match(table.stdout, new RegExp(`^${d.name}\\s`, 'm'));

    const json = await runCli(['lab', '--list', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as LabJson;
    assert.deepEqual(
      parsed.servers.map((s) => [s.name, s.discloses]),
      labServers.map((d) => [d.name, d.discloses]),
    );
  });

  it('refuses a non-loopback --host without --allow-remote, and unknown servers', async () => {
    const remote = await runCli(['lab', '--host', '192.0.2.10']);
    assert.equal(remote.code, 2);
    assert.match(remote.stderr, /^mcpward: --host: 192\.0\.2\.10 is not a loopback address/);
    const unknown = await runCli(['lab', '--only', 'nope']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--only: no lab server named nope/);
  });

  it('--only spa serves until SIGTERM, then exits 0', async () => {
    const lab = startLabCli(['--only', 'spa']);
    const { servers } = await lab.ready;
    assert.deepEqual(
      servers.map((s) => s.name),
      ['spa'],
    );
    assert.match(servers[0]!.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${servers[0]!.url}/version`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^<!doctype html>/);
    lab.child.kill('SIGTERM');
    assert.equal(await lab.exited, 0, lab.stderr());
  });

  it('keeps sdk-streamable in development mode (stack traces) even under NODE_ENV=production', async () => {
    const lab = startLabCli(['--only', 'sdk-streamable'], { NODE_ENV: 'production' });
    const { servers } = await lab.ready;
    const res = await fetch(servers[0]!.mcpUrl!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc":',
    });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /<pre>SyntaxError: [^<]*<br> &nbsp; &nbsp;at /);
    lab.child.kill('SIGTERM');
    assert.equal(await lab.exited, 0, lab.stderr());
  });

  it('ends open SSE streams and exits 0 on SIGINT', async () => {
    const lab = startLabCli(['--only', 'sdk-legacy-sse', 'stateless-2026']);
    const { servers } = await lab.ready;
    const sse = servers.find((s) => s.name === 'sdk-legacy-sse')!;
    const res = await fetch(sse.mcpUrl!, { headers: { accept: 'text/event-stream' } });
    const reader = res.body!.getReader();
    assert.match(
      new TextDecoder().decode((await reader.read()).value),
      /^event: endpoint\ndata: \/messages\?sessionId=/,
    );
    lab.child.kill('SIGINT');
    let done = false;
    while (!done) done = (await reader.read()).done;
    assert.equal(await lab.exited, 0, lab.stderr());
  });
});
