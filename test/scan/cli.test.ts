import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { assertValidSarif } from '../helpers/sarif.js';
import { httpServer, type Running } from '../helpers/servers.js';

// A server with the seed's headers and /version body, on plain node:http.
let leaky: Running;
let clean: Running;
const dir = mkdtempSync(join(tmpdir(), 'mcpward-scan-cli-'));

before(async () => {
  leaky = await httpServer((req, res) => {
    res.setHeader('Server', 'MCP-Server/1.2.3 (Node.js/18.17.0)');
    res.setHeader('X-MCP-Version', '0.9.1');
    if (req.url === '/version') {
      res.setHeader('content-type', 'application/json');
      res.end('{"name":"mcp-sqlite-server","version":"1.2.3","build":"2024-12-01T10:30:00Z"}');
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  clean = await httpServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
});
after(async () => {
  await leaky.close();
  await clean.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('mcpward scan (CLI)', { timeout: 60_000 }, () => {
  it('prints a table and exits 0 without --fail-on', async () => {
    const r = await runCli(['scan', leaky.url, '--no-progress']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /medium\s+endpoint-version\s+mcp-sqlite-server 1\.2\.3/);
    assert.match(r.stdout, /header-server\s+MCP-Server 1\.2\.3/);
    assert.match(r.stdout, /header-x-mcp-version\s+mcp-server 0\.9\.1/);
    assert.match(r.stdout, /^1 target, 0 MCP servers, 1 disclosing versions/m);
  });

  it('gates on --fail-on', async () => {
    assert.equal((await runCli(['scan', leaky.url, '--fail-on', 'medium'])).code, 1);
    assert.equal((await runCli(['scan', leaky.url, '--fail-on', 'high'])).code, 0);
    assert.equal((await runCli(['scan', clean.url, '--fail-on', 'low'])).code, 0);
  });

  it('streams JSON Lines, one result per target, from a target file with comments', async () => {
    const list = join(dir, 'hosts.txt');
    writeFileSync(list, `# inventory\n${leaky.url}\n\n${clean.url}  # the clean one\n${leaky.url}\n`);
    const r = await runCli(['scan', '-i', list, '--format', 'jsonl']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { target: string; origin: { line: number } });
    assert.deepEqual(lines.map((l) => l.target).sort(), [clean.url, leaky.url].sort());
    assert.equal(lines.find((l) => l.target === clean.url)?.origin.line, 4);
  });

  it('reads targets from stdin and writes JSON to -o', async () => {
    const out = join(dir, 'report.json');
    const r = await runCli(['scan', '-i', '-', '-f', 'json', '-o', out], { input: `${leaky.url}\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const doc = JSON.parse(readFileSync(out, 'utf8')) as {
      targets: { findings: { id: string }[] }[];
      summary: { targets: number };
    };
    assert.equal(doc.summary.targets, 1);
    assert.ok(doc.targets[0]?.findings.some((f) => f.id === 'endpoint-version'));
  });

  it('writes valid SARIF 2.1.0 pointing at the inventory line', async () => {
    const list = join(dir, 'sarif-hosts.txt');
    writeFileSync(list, `\n${leaky.url}\n`);
    const r = await runCli(['scan', '-i', list, '-f', 'sarif']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as {
      runs: {
        results: { ruleId: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[];
      }[];
    };
    assertValidSarif(doc);
    const res = doc.runs[0]!.results.find((x) => x.ruleId === 'endpoint-version');
    assert.equal(res?.locations[0]?.physicalLocation.region.startLine, 2);
  });

  it('rejects bad input with one line and exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['scan'], /^mcpward: scan: no targets/],
      [['scan', 'not a host'], /^mcpward: target: not a URL/],
      [
        ['scan', '-i', join(dir, 'missing.txt')],
        /^mcpward: .*missing\.txt: cannot read target file \(no such file\)/,
      ],
      [
        ['scan', '--format', 'xml', 'h'],
        /^mcpward: option '-f, --format <format>' argument 'xml' is invalid/,
      ],
      [['scan', '--concurrency', '0', 'h'], /concurrency must be a whole number/],
      [['scan', '--ports', '70000', 'h'], /^mcpward: --ports: port range out of bounds/],
      [['scan', '-H', 'nocolon', 'h'], /expected "Name: value"/],
      [['scan', '--signatures', join(dir, 'none'), 'h'], /none: no such file or directory/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});
