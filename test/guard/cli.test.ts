import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cliPath, runCli } from '../helpers/cli.js';
import { fetchRaw, INITIALIZE, MCP_POST_HEADERS } from '../helpers/guard.js';
import { httpServer, type Running } from '../helpers/servers.js';

const tmp = mkdtempSync(join(tmpdir(), 'mcpward-guard-cli-'));
const children: ChildProcess[] = [];
const servers: Running[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const s of servers) await s.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** An upstream answering initialize with a versioned serverInfo, and SSE on /events forever. */
async function upstream(): Promise<Running> {
  const s = await httpServer((req, res) => {
    req.resume();
    if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"jsonrpc":"2.0","method":"hello"}\n\n');
      const t = setInterval(() => res.write(': keepalive\n\n'), 50);
      res.on('close', () => clearInterval(t));
      return;
    }
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-powered-by': 'Express' });
      res.end('{"jsonrpc":"2.0","id":1,"result":{"serverInfo":{"name":"acme","version":"4.5.6"}}}');
    });
  });
  servers.push(s);
  return s;
}

/** Starts `mcpward guard ...` and waits for its "listening on" line. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [cliPath, 'guard', ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`guard did not start:\n${stderr}`)), 20_000);
    child.stderr!.on('data', (d: string) => {
      stderr += d;
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', () => reject(new Error(`guard exited:\n${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}

const init = (url: string) =>
  fetchRaw(`${url}/mcp`, { method: 'POST', headers: { ...MCP_POST_HEADERS }, body: INITIALIZE });

async function until(cond: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out: ${what}`);
}

describe('mcpward guard (CLI)', { timeout: 90_000 }, () => {
  it('rejects a bad configuration with one line naming the file and key, exit 2', async () => {
    const file = join(tmp, 'bad.yaml');
    writeFileSync(file, 'routes:\n  - upstream: http://127.0.0.1:1\n  - upstream: ftp://nope\n');
    const r = await runCli(['guard', '--config', file]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `^mcpward: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: routes\\[1\\]\\.upstream: must be an http`,
      ),
    );
    const unknown = join(tmp, 'unknown.yaml');
    writeFileSync(unknown, 'upstream: http://127.0.0.1:1\nserverinfo: {}\n');
    const u = await runCli(['guard', '--config', unknown]);
    assert.equal(u.code, 2);
    assert.match(u.stderr, /unknown\.yaml: .*serverinfo/);
    const flag = await runCli(['guard', '--upstream', 'http://127.0.0.1:1', '--listen', 'nope']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /listen: not a listen address/);
    const none = await runCli(['guard', '--listen', '127.0.0.1:0', '--admin', 'off']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--upstream/);
  });

  it('reloads on SIGHUP without dropping connections, and keeps the old config when the new one is bad', async () => {
    const up = await upstream();
    const file = join(tmp, 'guard.yaml');
    writeFileSync(file, `upstream: ${up.url}\nserverInfo: { name: first, version: 1.0.0 }\n`);
    const { child, url, stderr } = await startCli([
      '--config',
      file,
      '--listen',
      '127.0.0.1:0',
      '--admin',
      'off',
    ]);
    assert.match((await init(url)).body, /"name":"first"/);
    // A stream open across the reload keeps going.
    const stream = await fetch(`${url}/events`, { headers: { accept: 'text/event-stream' } });
    const reader = stream.body!.getReader();
    await reader.read();
    writeFileSync(file, `upstream: ${up.url}\nserverInfo: { name: second, version: 1.0.0 }\n`);
    child.kill('SIGHUP');
    await until(async () => /"name":"second"/.test((await init(url)).body), 'the new configuration');
    assert.match(stderr(), /configuration reloaded/);
    writeFileSync(file, `upstream: ${up.url}\nserverInfo: { name: 7 }\n`);
    child.kill('SIGHUP');
    await until(() => /reload failed/.test(stderr()), 'the reload failure line');
    assert.match(
      stderr(),
      /reload failed, keeping the running configuration: .*guard\.yaml: serverInfo\.name/,
    );
    assert.match((await init(url)).body, /"name":"second"/);
    const more = await reader.read();
    assert.equal(more.done, false, 'the stream survived both reloads');
    await reader.cancel();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    assert.equal(child.exitCode, 0);
  });

  it('on SIGTERM lets SSE streams run for the grace period, then closes them cleanly', async () => {
    const up = await upstream();
    const { child, url, stderr } = await startCli([
      '--upstream',
      up.url,
      '--listen',
      '127.0.0.1:0',
      '--admin',
      'off',
      '--grace',
      '400ms',
    ]);
    const stream = await fetch(`${url}/events`, { headers: { accept: 'text/event-stream' } });
    const reader = stream.body!.getReader();
    assert.match(new TextDecoder().decode((await reader.read()).value), /hello/);
    child.kill('SIGTERM');
    let received = 0;
    let clean = false;
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) {
          clean = true;
          break;
        }
        received++;
      }
    } catch {
      clean = false;
    }
    assert.ok(received > 0, 'the stream kept flowing during the grace period');
    assert.equal(clean, true, 'and then ended with a proper end of body');
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)));
    assert.equal(child.exitCode, 0);
    assert.match(stderr(), /stopping \(streams get 400 ms\)/);
    // The port is closed now.
    await assert.rejects(fetch(`${url}/mcp`));
  });
});
