import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { esc } from '../../src/intel/index.js';
import { FleetStore } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';
import { HOSTILE, twoRuns } from '../helpers/fleet.js';

/**
 * The report opened in real headless Chromium (Debian's /usr/bin/chromium): no console errors,
 * no requests beyond the file itself, server-controlled strings shown as text, and the numbers
 * on the page equal to what the database holds.
 */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const tmp = mkdtempSync(join(tmpdir(), 'mcpward-report-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('fleet report in Chromium', () => {
  const db = join(tmp, 'fleet.db');
  const html = join(tmp, 'report.html');
  let browser: Browser;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
    const { monday, tuesday } = twoRuns();
    const jsonl = (rs: object[]) => rs.map((r) => JSON.stringify(r)).join('\n');
    writeFileSync(join(tmp, 'm.jsonl'), jsonl(monday));
    writeFileSync(join(tmp, 't.jsonl'), jsonl(tuesday));
    for (const f of ['m.jsonl', 't.jsonl']) {
      const r = await runCli(['fleet', 'import', join(tmp, f), '--db', db]);
      assert.equal(r.code, 0, r.stderr);
    }
    const rep = await runCli(['fleet', 'report', '-o', html, '--db', db]);
    assert.equal(rep.code, 0, rep.stderr);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => {
    await browser?.close();
  });

  async function open(file: string) {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', (d) => {
      errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return { page, errors, requests };
  }

  it('loads with no console errors and no network', async () => {
    const { page, errors, requests } = await open(html);
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, [pathToFileURL(html).href]);
    assert.equal(await page.title(), 'mcpward fleet report: run 2');
    await page.close();
  });

  it('shows the numbers the database holds', async () => {
    const store = FleetStore.open(db, { readonly: true });
    const q = (sql: string) => (store.db.prepare(sql).get() as { n: number }).n;
    const expected: Record<string, number> = {
      targets: q('SELECT COUNT(*) AS n FROM results WHERE run_id = 2'),
      ok: q("SELECT COUNT(*) AS n FROM results WHERE run_id = 2 AND status = 'ok'"),
      unreachable: q("SELECT COUNT(*) AS n FROM results WHERE run_id = 2 AND status = 'unreachable'"),
      findings: q(
        'SELECT COUNT(*) AS n FROM findings f JOIN results r ON r.id = f.result_id WHERE r.run_id = 2',
      ),
      appeared: 2,
      disappeared: 1,
      'version-changed': 1,
      hardened: 2,
      outliers: 1,
      'worst-critical': 1,
      'worst-medium': 3,
    };
    const spread = store.db
      .prepare(
        `SELECT f.version, COUNT(*) AS n FROM fingerprints f JOIN results r ON r.id = f.result_id
         WHERE r.run_id = 2 AND f.product = '@modelcontextprotocol/sdk' GROUP BY f.version ORDER BY f.version`,
      )
      .all() as { version: string; n: number }[];
    store.close();
    assert.deepEqual(
      expected,
      { ...expected, targets: 6, ok: 5, unreachable: 1, findings: 4 },
      'fixture sanity',
    );

    const { page } = await open(html);
    const stats = await page.$$eval('[data-stat]', (els) =>
      Object.fromEntries(els.map((e) => [e.getAttribute('data-stat'), Number(e.textContent)])),
    );
    for (const [k, v] of Object.entries(expected)) assert.equal(stats[k], v, `data-stat ${k}`);

    const bars = await page.$$eval('svg[data-product="@modelcontextprotocol/sdk"] g[data-version]', (gs) =>
      gs.map((g) => ({ version: g.getAttribute('data-version'), n: Number(g.getAttribute('data-count')) })),
    );
    assert.deepEqual(
      [...bars].sort((a, b) => String(a.version).localeCompare(String(b.version))),
      spread.map((s) => ({ version: s.version, n: s.n })),
    );
    const outlierRows = await page.$$eval('#outliers tbody tr', (trs) => trs.map((tr) => tr.textContent));
    assert.equal(outlierRows.length, 1);
    assert.match(outlierRows[0]!, /f\.test.*1\.20\.0.*1\.24\.0 runs on 2\/5/);
    const changes = await page.$$eval('#changes tbody tr td:first-child', (tds) =>
      tds.map((t) => t.textContent),
    );
    assert.deepEqual(changes, ['appeared', 'appeared', 'disappeared', 'upgrade', 'hardened', 'hardened']);
    await page.close();
  });

  it('server-controlled strings are text, never markup', async () => {
    const { page, errors } = await open(html);
    assert.equal(await page.$$eval('img, script, iframe, object', (els) => els.length), 0);
    assert.notEqual(await page.title(), 'pwned');
    const text = await page.$eval('body', (b) => b.textContent ?? '');
    assert.ok(text.includes(HOSTILE), 'the hostile serverInfo name is shown literally');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('advisories per host, from the run that has them', async () => {
    const older = join(tmp, 'run1.html');
    const rep = await runCli(['fleet', 'report', '1', '-o', older, '--db', db]);
    assert.equal(rep.code, 0, rep.stderr);
    const { page, errors } = await open(older);
    assert.deepEqual(errors, []);
    const rows = await page.$$eval('#advisories tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())),
    );
    assert.deepEqual(
      rows.map((r) => [r[0], r[1]?.split(' ').slice(0, 2).join(' '), r[3]]),
      [
        ['http://c.test:8000/mcp', 'high GHSA-8r9q-7v3j-jr4g', '1.25.2'],
        ['http://c.test:8000/mcp', 'high GHSA-w48q-cv73-mx4w', '1.24.0'],
      ],
    );
    assert.match(readFileSync(older, 'utf8'), /No earlier run to compare with/);
    await page.close();
  });
});

describe('esc', () => {
  it('escapes every character that can leave a text or quoted-attribute context', () => {
    assert.equal(
      esc(`<a href="x" onclick='y'>&</a>`),
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});
