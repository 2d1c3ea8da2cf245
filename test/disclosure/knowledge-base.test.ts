import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  defaultKnowledgeBase,
  isAllowedHeader,
  isGenericServerInfo,
  loadKnowledgeBase,
  matchHeaders,
  matchPatterns,
  versionEndpoint,
  versionFromJson,
} from '../../src/disclosure/index.js';
import { UserError } from '../../src/util/errors.js';

const kb = defaultKnowledgeBase();
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'mcpward-kb-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('knowledge base', () => {
  it('loads every built-in file and compiles every regex', () => {
    assert.ok(kb.sources.length >= 5);
    assert.ok(kb.endpoints.some((e) => e.path === '/version'));
    assert.ok(kb.patterns.every((p) => p.re instanceof RegExp));
  });

  it('reads the seed example headers as product/version claims', () => {
    const hits = matchHeaders(
      [
        ['Server', 'MCP-Server/1.2.3 (Node.js/18.17.0)'],
        ['X-Powered-By', 'Express/4.18.2'],
        ['X-MCP-Version', '0.9.1'],
        ['Content-Type', 'application/json'],
      ],
      kb,
    );
    const byId = Object.fromEntries(hits.map((h) => [h.signature.id, h.claims]));
    assert.deepEqual(byId['header-server'], [
      { product: 'MCP-Server', version: '1.2.3' },
      { product: 'Node.js', version: '18.17.0' },
    ]);
    assert.deepEqual(byId['header-x-powered-by'], [{ product: 'Express', version: '4.18.2' }]);
    assert.deepEqual(byId['header-x-mcp-version'], [{ product: 'mcp-server', version: '0.9.1' }]);
    assert.equal(hits.length, 3);
  });

  it('reports a header family once', () => {
    const hits = matchHeaders(
      [
        ['x-envoy-upstream-service-time', '3'],
        ['x-envoy-decorator-operation', 'mcp'],
      ],
      kb,
    );
    assert.deepEqual(
      hits.map((h) => h.signature.id),
      ['infra-envoy'],
    );
  });

  it('parses Via with the proxy product and version', () => {
    const [hit] = matchHeaders([['via', '1.1 kong/3.4.2']], kb);
    assert.deepEqual(hit?.claims, [{ product: 'kong', version: '3.4.2' }]);
  });

  it('finds the seed stack trace and its versioned path', () => {
    const body = `Error: Cannot process request
    at MCPServer.handle (/app/node_modules/mcp-server/v1.2.3/lib/handler.js:42)
    at process (/app/node_modules/.pnpm/@modelcontextprotocol+sdk@1.12.0/node_modules/x.js:1:2)`;
    const hits = Object.fromEntries(matchPatterns(body, kb).map((h) => [h.signature.id, h]));
    assert.ok(hits['error-node-stack-trace']);
    assert.deepEqual(hits['error-versioned-path']?.claims, [{ product: 'mcp-server', version: '1.2.3' }]);
    assert.deepEqual(hits['error-node-modules-version']?.claims, [
      { product: '@modelcontextprotocol+sdk', version: '1.12.0' },
    ]);
  });

  it('finds nothing in a plain JSON-RPC error', () => {
    const body = '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}';
    assert.deepEqual(matchPatterns(body, kb), []);
  });

  it('reads versions from the seed /version body and ignores {"status":"ok"}', () => {
    const info = versionFromJson(
      { name: 'mcp-sqlite-server', version: '1.2.3', build: '2024-12-01T10:30:00Z' },
      kb,
    );
    assert.equal(info.product, 'mcp-sqlite-server');
    assert.equal(info.version, '1.2.3');
    assert.deepEqual(
      info.fields.map((f) => f.path),
      ['version', 'build'],
    );
    assert.deepEqual(versionFromJson({ status: 'ok' }, kb).fields, []);
    assert.equal(versionFromJson({ status: 'ok', runtime: { node: 'v20.11.1' } }, kb).product, 'node');
  });

  it('treats mcp-server/1.0.0 as generic and the seed fork as a disclosure', () => {
    assert.equal(isGenericServerInfo({ name: 'mcp-server', version: '1.0.0' }, kb), true);
    assert.equal(isGenericServerInfo({ name: 'vulnerable-sqlite-mcp', version: '1.0.0-fork' }, kb), false);
    assert.equal(isGenericServerInfo({ name: 'mcp-server', version: '2.3.1' }, kb), false);
  });

  it('knows version endpoints however the path is written', () => {
    assert.equal(versionEndpoint('/API/Version/?x=1', kb)?.path, '/api/version');
    assert.equal(versionEndpoint('//version', kb)?.path, '/version');
    assert.equal(versionEndpoint('/versions', kb), undefined);
  });

  it('allowlists what MCP needs and nothing identifying', () => {
    assert.equal(isAllowedHeader('Mcp-Session-Id', kb), true);
    assert.equal(isAllowedHeader('Server', kb), false);
    assert.equal(isAllowedHeader('X-Powered-By', kb), false);
  });

  it('lets a user file add and override signatures', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'mine.yaml'),
      `headers:\n  - { id: header-x-acme, name: x-acme-build, category: version, title: Acme build, extract: '(?<version>\\d[\\w.]*)' }\nendpoints:\n  - { path: /acme/about, kind: info, guard: block }\n`,
    );
    const mine = loadKnowledgeBase([dir]);
    assert.deepEqual(matchHeaders([['X-Acme-Build', '7.1']], mine)[0]?.claims, [{ version: '7.1' }]);
    assert.ok(versionEndpoint('/acme/about', mine));
  });

  it('rejects a bad user file with the file and key in one line', () => {
    const dir = tempDir();
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      `patterns:\n  - { id: x, kind: path, title: t, severity: high, regex: '(unclosed' }\n`,
    );
    assert.throws(
      () => loadKnowledgeBase([file]),
      (err: unknown) =>
        err instanceof UserError &&
        err.oneLine() === `${file}: patterns[0].regex: not a valid regular expression`,
    );
    writeFileSync(file, `headers: [ {id: a\n`);
    assert.throws(
      () => loadKnowledgeBase([file]),
      (err: unknown) => err instanceof UserError && err.oneLine().startsWith(`${file}:`),
    );
  });
});
