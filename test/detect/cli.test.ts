/** `mcpward detect` and `mcpward rules` through the built CLI: formats, exit codes, bad input. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { assertValidSarif } from '../helpers/sarif.js';
import { clf } from './helpers.js';

const NUCLEI = 'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)';
const SWEEP = '80cb7494-86e8-4dc8-8031-05e2aa5bf3dd';

/** A scanner sweeping five endpoints, an uptime monitor, a bad line and an empty one. */
const LOG = [
  clf({ ip: '10.9.8.7', path: '/health', ua: 'UptimeRobot/2.0', at: 0 }),
  ...['/version', '/api/version', '/status', '/info', '/.well-known/mcp'].map((path, i) =>
    clf({ ip: '203.0.113.50', path, ua: NUCLEI, at: 1 + i, status: 404 }),
  ),
  'this is not an access log line',
  '',
  clf({ ip: '10.9.8.7', path: '/health', ua: 'UptimeRobot/2.0', at: 30 }),
].join('\n');

interface JsonAlert {
  rule: string;
  level: string;
  source: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  uris: string[];
  samples: { file: string; line: number; text: string }[];
}

describe('mcpward detect (CLI)', () => {
  let dir: string;
  let log: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcpward-detect-cli-'));
    log = join(dir, 'access.log');
    writeFileSync(log, `${LOG}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('jsonl: one alert per rule and source, with first/last seen, count, URIs and sample lines', async () => {
    const res = await runCli(['detect', log, '--format', 'jsonl', '--log-format', 'combined']);
    assert.equal(res.code, 0, res.stderr);
    const alerts = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as JsonAlert);
    const sweep = alerts.find((a) => a.rule === SWEEP);
    assert.ok(sweep);
    assert.equal(sweep.source, '203.0.113.50');
    assert.equal(sweep.count, 5);
    assert.equal(sweep.firstSeen, '2026-01-05T10:00:01.000Z');
    assert.equal(sweep.lastSeen, '2026-01-05T10:00:05.000Z');
    assert.deepEqual(sweep.uris, ['/version', '/api/version', '/status', '/info', '/.well-known/mcp']);
    assert.deepEqual(
      sweep.samples.map((s) => s.line),
      [2, 3, 4, 5, 6],
    );
    assert.equal(sweep.samples[0]!.text, LOG.split('\n')[1]);
    assert.equal(new Set(alerts.map((a) => `${a.rule} ${a.source}`)).size, alerts.length);
    assert.ok(alerts.every((a) => a.source === '203.0.113.50'));
  });

  it('summary on stderr: lines read = evaluated + skipped with reasons, alerts by level', async () => {
    const res = await runCli(['detect', log, '--format', 'jsonl', '--log-format', 'combined']);
    assert.match(res.stderr, /9 lines read = 7 evaluated \+ 2 skipped \(1 empty, 1 unparseable\)/);
    assert.match(res.stderr, /alerts: 1 high, 1 medium/);
    assert.match(
      res.stderr,
      new RegExp(`skipped ${log.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7: unparseable`),
    );
  });

  it('--fail-on: exit 1 at or above the level, 0 below it', async () => {
    assert.equal((await runCli(['detect', log, '--fail-on', 'high', '-f', 'json'])).code, 1);
    assert.equal((await runCli(['detect', log, '--fail-on', 'critical', '-f', 'json'])).code, 0);
    assert.equal((await runCli(['detect', log, '--fail-on', 'none', '-f', 'json'])).code, 0);
  });

  it('json: one document with the summary and the alerts', async () => {
    const res = await runCli(['detect', log, '-f', 'json']);
    const doc = JSON.parse(res.stdout) as {
      summary: { lines: number; skipped: number };
      alerts: JsonAlert[];
    };
    assert.equal(doc.summary.lines, 9);
    assert.equal(doc.summary.skipped, 2);
    assert.equal(doc.alerts.length, 2);
  });

  it('sarif: valid SARIF 2.1.0; Sigma rules as rules, results at the log line, stable fingerprints', async () => {
    const run = async () => JSON.parse((await runCli(['detect', log, '-f', 'sarif'])).stdout) as SarifLog;
    interface SarifLog {
      runs: {
        tool: {
          driver: {
            rules: { id: string; shortDescription: { text: string }; properties: Record<string, unknown> }[];
          };
        };
        results: {
          ruleId: string;
          level: string;
          locations: {
            physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
          }[];
          partialFingerprints: Record<string, string>;
        }[];
      }[];
    }
    const doc = await run();
    assertValidSarif(doc);
    const r = doc.runs[0]!;
    const rule = r.tool.driver.rules.find((x) => x.id === SWEEP);
    assert.equal(rule?.shortDescription.text, 'MCP Server Version Endpoint Sweep');
    assert.equal(rule?.properties['security-severity'], '8.0');
    const res = r.results.find((x) => x.ruleId === SWEEP)!;
    assert.equal(res.level, 'error');
    assert.equal(res.locations[0]!.physicalLocation.region.startLine, 2);
    assert.ok(res.locations[0]!.physicalLocation.artifactLocation.uri.endsWith('access.log'));
    const again = await run();
    assert.deepEqual(
      again.runs[0]!.results.map((x) => x.partialFingerprints),
      r.results.map((x) => x.partialFingerprints),
    );
  });

  it('table on stdout, and stdin with -', async () => {
    const res = await runCli(['detect', '-'], { input: `${LOG}\n` });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^HIGH {2}MCP Server Version Endpoint Sweep {2}203\.0\.113\.50$/m);
    assert.match(res.stdout, /-:2 203\.0\.113\.50 - - \[05\/Jan\/2026:10:00:01/);
  });

  it('--allow and --config allowlists silence a source; -o writes a file', async () => {
    const out = join(dir, 'alerts.jsonl');
    const res = await runCli(['detect', log, '--allow', '203.0.113.0/24', '-f', 'jsonl', '-o', out]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(readFileSync(out, 'utf8'), '');
    const cfg = join(dir, 'detect.yaml');
    writeFileSync(cfg, 'allow:\n  userAgents: [projectdiscovery]\n');
    const res2 = await runCli(['detect', log, '--config', cfg, '-f', 'jsonl']);
    assert.equal(res2.stdout, '');
  });

  it('--rules adds a user rule; --no-default-rules runs only it', async () => {
    const rules = join(dir, 'rules');
    mkdirSync(rules, { recursive: true });
    writeFileSync(
      join(rules, 'uptime.yml'),
      `title: Uptime monitor
id: 5b1d2f6e-2f0e-4a57-9d1a-6f1f4c7a8e01
logsource: { category: webserver }
detection:
  selection: { cs-user-agent|startswith: UptimeRobot/ }
  condition: selection
level: low
`,
    );
    const res = await runCli(['detect', log, '--rules', rules, '--no-default-rules', '-f', 'jsonl']);
    assert.equal(res.code, 0, res.stderr);
    const alerts = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as JsonAlert);
    assert.deepEqual(
      alerts.map((a) => [a.rule, a.source, a.count]),
      [['5b1d2f6e-2f0e-4a57-9d1a-6f1f4c7a8e01', '10.9.8.7', 2]],
    );
  });

  describe('bad input: one line naming the culprit, exit 2', () => {
    const bad = async (args: string[], pattern: RegExp) => {
      const res = await runCli(args);
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
      assert.match(res.stderr.trim(), pattern);
      assert.equal(res.stdout, '');
    };
    it('a missing file, a directory', async () => {
      await bad(['detect', join(dir, 'nope.log')], /^mcpward: .*nope\.log: no such file$/);
      await bad(['detect', dir], /^mcpward: .*: not a file$/);
    });
    it('a bad rule file', async () => {
      const f = join(dir, 'bad-rule.yml');
      writeFileSync(
        f,
        'title: Bad\nlogsource: {category: webserver}\ndetection:\n  sel: {cs-uri|contians: x}\n  condition: sel\n',
      );
      await bad(['detect', log, '--rules', f], /bad-rule\.yml:4.*unknown modifier 'contians'/);
    });
    it('a bad config key and a bad config value', async () => {
      const f = join(dir, 'bad.yaml');
      writeFileSync(f, 'allow:\n  cidr: [10.0.0.0/8]\n');
      await bad(['detect', log, '--config', f], /bad\.yaml: allow: .*cidr/);
      writeFileSync(f, 'allow:\n  cidrs: [10.0.0.0/33]\n');
      await bad(
        ['detect', log, '--config', f],
        /bad\.yaml: allow\.cidrs\[0\]: not an address or CIDR network/,
      );
      writeFileSync(f, 'alerts:\n  window: soon\n');
      await bad(['detect', log, '--config', f], /bad\.yaml: alerts\.window: not a duration/);
      writeFileSync(f, 'rules:\n  disable: [no-such-rule]\n');
      await bad(['detect', log, '--config', f], /rules\.disable: 'no-such-rule' is not/);
    });
    it('bad flags', async () => {
      await bad(['detect', log, '--fail-on', 'severe'], /--fail-on/);
      await bad(['detect', log, '--format', 'xml'], /--format/);
      await bad(['detect', log, '--workers', '0'], /--workers/);
      await bad(['detect', log, '--log-format', 'nosuch'], /--log-format: unknown log format 'nosuch'/);
      await bad(['detect', log, '--allow', 'cidr:10.0.0.0/40'], /--allow: not an address or CIDR network/);
      await bad(['detect', log, '--checkpoint', join(dir, 'c')], /--checkpoint: needs --follow/);
      await bad(['detect', log, '--no-such-flag'], /unknown option/);
    });
    it('rules test with an unknown rule', async () => {
      await bad(
        ['rules', 'test', 'no-such-rule-at-all', log],
        /no rule or correlation with id, name or title/,
      );
    });
  });
});

describe('mcpward rules (CLI)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcpward-rules-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('list --format json names every rule, correlation and filter of the pack', async () => {
    const res = await runCli(['rules', 'list', '--format', 'json']);
    const doc = JSON.parse(res.stdout) as { rules: { kind: string; id: string }[] };
    assert.equal(doc.rules.length, 20);
    assert.ok(doc.rules.some((r) => r.id === SWEEP && r.kind === 'correlation'));
    assert.ok(doc.rules.some((r) => r.kind === 'filter'));
  });

  it('test: which lines match a rule and why; a correlation shows its alerts', async () => {
    const log = join(dir, 'a.log');
    writeFileSync(log, `${LOG}\n`);
    const res = await runCli(['rules', 'test', 'b6242910', log]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^MATCH .*a\.log:2 {2}203\.0\.113\.50/m);
    assert.match(res.stdout, /held: selection_endpoint, selection_scanner_crs, selection_scanner_more/);
    assert.match(res.stdout, /5 lines matched, 0 excluded by filters, of 9 read/);
    const corr = await runCli(['rules', 'test', SWEEP, log]);
    assert.equal(corr.code, 0, corr.stderr);
    assert.match(corr.stdout, /1 alert from this correlation in 9 lines/);
    const none = await runCli(['rules', 'test', 'mcp_session_start', log]);
    assert.equal(none.code, 1);
    assert.match(none.stdout, /0 lines matched/);
  });

  it('validate: a user rule file with a lint warning', async () => {
    const f = join(dir, 'freq.yml');
    writeFileSync(
      f,
      `title: Seed-style frequency
id: 6c0a5f0e-8d51-4c33-b7a8-1a1b2c3d4e5f
logsource: { category: webserver }
detection:
  selection: { cs-uri-stem: /version }
  selection_frequency: { EventCount|gte: 3, TimeWindow: 60s }
  condition: selection and selection_frequency
level: low
`,
    );
    const res = await runCli(['rules', 'validate', f]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /warning frequency-in-detection/);
    assert.equal((await runCli(['rules', 'validate', '--strict', f])).code, 1);
  });
});
