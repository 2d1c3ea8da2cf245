import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  defaultForkRules,
  defaultProductMap,
  loadAdvisoryDb,
  loadForkRules,
  loadProductMap,
  matchFork,
  matchProduct,
  type ProductClaim,
} from '../../src/intel/index.js';
import { UserError } from '../../src/util/errors.js';

const db = loadAdvisoryDb({ imported: false });
const map = defaultProductMap();
const forks = defaultForkRules();
const match = (claim: ProductClaim) => matchProduct(claim, db, map, { forks });
const ids = (refs: { id: string }[]) => refs.map((r) => r.id).sort();

describe('product map', () => {
  it('FastMCP default serverInfo reports the mcp SDK version (library)', () => {
    const m = match({ product: 'FastMCP', version: '1.9.0', source: 'serverinfo' });
    assert.equal(m.entry, 'python-sdk-fastmcp');
    assert.equal(m.relation, 'library');
    assert.deepEqual(m.versionOf, { ecosystem: 'PyPI', name: 'mcp', version: '1.9.0' });
    assert.deepEqual(ids(m.advisories), [
      'GHSA-3qhf-m339-9g5v',
      'GHSA-9h52-p55h-vw2f',
      'GHSA-j975-95f5-7wqh',
    ]);
    assert.ok(m.advisories.every((a) => a.confidence === 'medium'));
    const withSse = match({
      product: 'FastMCP',
      version: '1.9.0',
      source: 'serverinfo',
      fingerprintIds: ['fingerprint-py-sdk-sse'],
    });
    assert.ok(
      withSse.advisories.every((a) => a.confidence === 'high'),
      'behaviour corroborates',
    );
  });

  it('1.10.0 is past the 1.9.4 and 1.10.0 fixes (numeric, not text, ordering)', () => {
    const m = match({ product: 'FastMCP', version: '1.10.0', source: 'serverinfo' });
    assert.deepEqual(ids(m.advisories), ['GHSA-9h52-p55h-vw2f']);
    assert.equal(m.advisories[0]!.fixed, '1.23.0');
  });

  it('mcp-git is mcp-server-git, but its version is the mcp SDK version', () => {
    const m = match({ product: 'mcp-git', version: '1.12.0', source: 'serverinfo' });
    assert.equal(m.package, 'mcp-server-git');
    assert.equal(m.versionOf?.name, 'mcp');
    assert.deepEqual(ids(m.advisories), ['GHSA-9h52-p55h-vw2f']);
    // The server's own advisories are only possible: its version is not known.
    assert.deepEqual(ids(m.possible), [
      'GHSA-5cgr-j3jf-jw3v',
      'GHSA-9xwc-hfwc-8w59',
      'GHSA-j22h-9j4x-23w5',
      'GHSA-vjqx-cfc4-9h6v',
    ]);
    assert.ok(m.possible.every((p) => p.confidence === 'low' && /version not revealed/.test(p.basis)));
  });

  it('the filesystem server hard-codes its serverInfo version: no advisory claimed from it', () => {
    const m = match({ product: 'secure-filesystem-server', version: '0.2.0', source: 'serverinfo' });
    assert.equal(m.relation, 'none');
    assert.deepEqual(m.advisories, []);
    assert.deepEqual(ids(m.possible), ['GHSA-hc55-p739-j48w', 'GHSA-q66q-fx2p-7w4m']);
  });

  it('TypeScript SDK from a pnpm stack-trace path is exact', () => {
    const m = match({ product: '@modelcontextprotocol+sdk', version: '1.12.0', source: 'error' });
    assert.equal(m.entry, 'ts-sdk-path');
    assert.equal(m.package, '@modelcontextprotocol/sdk');
    assert.deepEqual(ids(m.advisories), [
      'GHSA-345p-7cg4-v4c7',
      'GHSA-8r9q-7v3j-jr4g',
      'GHSA-w48q-cv73-mx4w',
    ]);
    assert.ok(m.advisories.every((a) => a.confidence === 'high'));
    const old = match({ product: '@modelcontextprotocol+sdk', version: '1.9.0', source: 'error' });
    assert.ok(!ids(old.advisories).includes('GHSA-345p-7cg4-v4c7'), 'introduced 1.10.0');
  });

  it('MCP Inspector UI version is the package version', () => {
    const m = match({ product: 'MCP Inspector', version: '0.14.0', source: 'ui' });
    assert.deepEqual(ids(m.advisories), ['GHSA-7f8r-222p-6f5g', 'GHSA-g9hg-qhmf-q45m']);
    assert.equal(m.advisories[0]!.severity, 'critical');
    assert.equal(match({ product: 'MCP Inspector', version: '0.16.6', source: 'ui' }).advisories.length, 0);
  });

  it('FastMCP generated names: 2.x reports fastmcp, 1.x reports mcp', () => {
    const v2 = match({ product: 'FastMCP-3f2a', version: '2.13.0', source: 'serverinfo' });
    assert.equal(v2.versionOf?.name, 'fastmcp');
    assert.deepEqual(ids(v2.advisories), [
      'GHSA-m8x7-r2rg-vh5g',
      'GHSA-rcfx-77hg-w2wv',
      'GHSA-rww4-4w9c-7733',
      'GHSA-vv7q-7jx5-f767',
    ]);
    const v1 = match({ product: 'FastMCP-3f2a', version: '1.9.4', source: 'serverinfo' });
    assert.equal(v1.entry, 'fastmcp-pre-2-13');
    assert.equal(v1.versionOf?.name, 'mcp');
  });

  it('a guess is labelled as one', () => {
    const m = match({
      product: 'weather',
      version: '1.9.0',
      source: 'serverinfo',
      fingerprintIds: ['fingerprint-py-sdk-host-check'],
    });
    assert.equal(m.entry, 'python-sdk-default-version');
    assert.ok(m.advisories.length > 0);
    assert.ok(m.advisories.every((a) => a.confidence === 'low' && a.basis.startsWith('a guess')));
    const noBehaviour = match({ product: 'weather', version: '1.9.0', source: 'serverinfo' });
    assert.deepEqual(noBehaviour.advisories, [], 'no fingerprint, no guess');
  });

  it('a name equal to a package with advisories is a low-confidence inference', () => {
    const m = match({ product: 'mcp-server-kubernetes', version: '2.4.0', source: 'endpoint' });
    assert.equal(m.relation, 'inferred');
    assert.deepEqual(ids(m.advisories), ['GHSA-gjv4-ghm7-q58q']);
    assert.equal(m.advisories[0]!.confidence, 'low');
  });

  it('server-filesystem fix advice on the branch (library API through a user map entry)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpward-pm-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'mine.yaml');
    writeFileSync(
      file,
      `products:
  - id: my-fs
    title: Our filesystem server build
    package: { ecosystem: npm, name: '@modelcontextprotocol/server-filesystem' }
    relation: exact
    match:
      - { source: endpoint, name: fs-gateway }
`,
    );
    const mine = loadProductMap([file]);
    assert.equal(mine.entries[0]!.id, 'my-fs', 'user entries are tried first');
    const on2025 = matchProduct(
      { product: 'fs-gateway', version: '2025.3.28', source: 'endpoint' },
      db,
      mine,
    );
    assert.deepEqual(
      on2025.advisories.map((a) => a.fixed),
      ['2025.7.1', '2025.7.1'],
    );
    const on06 = matchProduct({ product: 'fs-gateway', version: '0.6.2', source: 'endpoint' }, db, mine);
    assert.equal(on06.matches[0]!.fix.kind, 'no-fix-on-branch');
    assert.match(
      on06.advisories[0]!.basis,
      /no fix on this line \(last affected 0\.6\.2, upgrade to 2025\.7\.1/,
    );
  });

  it('rejects a bad map with one clear error naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpward-pm-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'products:\n  - id: x\n    title: X\n    package: { ecosystem: npm, name: x }\n    relation: library\n    match: [{ source: serverinfo, name: x }]\n',
    );
    assert.throws(
      () => loadProductMap([file]),
      (e: unknown) => e instanceof UserError && e.where === file && /library/.test(e.message),
    );
  });
});

describe('fork heuristics', () => {
  it('the archived SQLite reference server by its serverInfo name', () => {
    const f = matchFork('sqlite-manager', '1.6.0', forks);
    assert.equal(f?.id, 'fork-sqlite-reference');
    assert.equal(f?.severity, 'high');
    assert.equal(f?.confidence, 'high');
  });
  it('seed example: vulnerable-sqlite-mcp 1.0.0-fork trips three rules', () => {
    const f = matchFork('vulnerable-sqlite-mcp', '1.0.0-fork', forks)!;
    assert.deepEqual(f.reasons.map((r) => r.rule).sort(), [
      'fork-sqlite-like',
      'fork-version-marker',
      'fork-vulnerable-name',
    ]);
    assert.equal(f.severity, 'high');
  });
  it('name patterns and version markers', () => {
    assert.equal(matchFork('mcp-server-sqlite', undefined, forks)?.id, 'fork-sqlite-reference');
    assert.equal(matchFork('sqlite-mcp', undefined, forks)?.id, 'fork-sqlite-like');
    assert.equal(matchFork('example-servers/postgres', '0.1.0', forks)?.id, 'fork-archived-reference');
    assert.equal(matchFork('acme', '2.3.1+patch.2', forks)?.id, 'fork-version-marker');
    assert.equal(matchFork('acme', '2.3.1-custom', forks)?.id, 'fork-version-marker');
    assert.equal(matchFork('acme', '2.3.1', forks), undefined);
    assert.equal(
      matchFork('patchwork-server', '1.0.0', forks),
      undefined,
      'a word inside a name is not a marker',
    );
  });
  it('matchProduct reports the fork alongside advisories', () => {
    const m = match({ product: 'sqlite-manager', version: '1.6.0', source: 'serverinfo' });
    assert.equal(m.fork?.id, 'fork-sqlite-reference');
    assert.equal(m.package, 'mcp-server-sqlite');
  });
  it('user fork rules replace built-ins with the same id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpward-fk-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'forks.yaml');
    writeFileSync(
      file,
      'forks:\n  - { id: fork-version-marker, title: off, severity: info, confidence: low, versionRegex: "^never$", rationale: r, remediation: r }\n',
    );
    const rules = loadForkRules([file]);
    assert.equal(matchFork('acme', '2.3.1-custom', rules), undefined);
  });
});
