/**
 * The event model against the real SigmaHQ web rules (shared reference data): every field those rules
 * use exists in our events, and the values have the shape the rules expect (full path in
 * cs-uri-query, integer sc-status, empty vs missing user agent). No Sigma engine here: the rule values
 * are compared directly.
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { compileNginxFormat, parseCombined, type WebserverEvent } from '../../src/logs/index.js';
import { ok } from '../helpers/log-fixtures.js';
import { sharedDataDir } from '../helpers/shared.js';

const rulesDir = join(sharedDataDir, 'sigmahq-web', 'rules', 'web');

interface Rule {
  title: string;
  logsource: { category?: string };
  detection: Record<string, unknown>;
}

function rules(sub: string): Rule[] {
  const dir = join(rulesDir, sub);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => parse(readFileSync(join(dir, f), 'utf8')) as Rule);
}

function fieldsOf(detection: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') for (const k of Object.keys(v)) out.add(k.split('|')[0]!);
  };
  for (const [name, v] of Object.entries(detection)) if (name !== 'condition') visit(v);
  return out;
}

/** A rule's value for `field|modifier` in `selection`. */
function value(rule: Rule, selection: string, key: string): unknown {
  return (rule.detection[selection] as Record<string, unknown> | undefined)?.[key];
}

const line = (req: string, status = 200, ua = 'Mozilla/5.0', ref = '-') =>
  `192.0.2.1 - - [05/Jan/2026:10:00:01 +0000] "${req}" ${status} 10 "${ref}" "${ua}"`;

// A format that logs every header the proxy rules look at, so each field can be present.
const FULL = compileNginxFormat(
  '$remote_addr $server_addr [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_cookie" $host',
);
const full = ok(
  FULL.parse,
  '192.0.2.1 10.0.0.1 [05/Jan/2026:10:00:01 +0000] "GET /a/b.exe?x=1 HTTP/1.1" 200 10 "https://r.example/" "ua" "a=b" h.example',
);

describe('SigmaHQ web rules and the event model', () => {
  const all = [...rules('webserver_generic'), ...rules('proxy_generic')];

  it('has every field the SigmaHQ webserver and proxy rules use', () => {
    assert.ok(all.length >= 40, `read ${all.length} rules`);
    const used = new Set<string>();
    for (const r of all) for (const f of fieldsOf(r.detection)) used.add(f);
    for (const f of used) {
      if (/^(selection|filter|keywords|select)/.test(f)) continue;
      assert.ok(
        f in full && full[f] !== undefined,
        `field ${f} (used by SigmaHQ rules) is missing from events`,
      );
    }
    assert.ok(used.has('cs-uri-query') && used.has('c-useragent') && used.has('sc-status'));
  });

  it('cs-uri-query holds the full path: the F5 bash rule matches with `endswith`', () => {
    const rule = all.find((r) => /F5 BIG-IP iControl Rest API Command Execution - Webserver/.test(r.title))!;
    const suffix = value(rule, 'selection', 'cs-uri-query|endswith') as string;
    assert.equal(suffix, '/mgmt/tm/util/bash');
    const e = ok(parseCombined, line('POST /mgmt/tm/util/bash HTTP/1.1'));
    assert.equal(e['cs-method'], value(rule, 'selection', 'cs-method'));
    assert.ok((e['cs-uri-query'] as string).endsWith(suffix));
  });

  it('path traversal and windows-path rules find their strings in cs-uri-query', () => {
    const traversal = all.find((r) => /Path Traversal Exploitation Attempts/.test(r.title))!;
    const needles = value(traversal, 'selection', 'cs-uri-query|contains') as string[];
    const e = ok(parseCombined, line('GET /static/../../../etc/passwd HTTP/1.1', 400));
    assert.ok(needles.some((n) => (e['cs-uri-query'] as string).includes(n)));
  });

  it('sc-status is an integer, as rules compare it (`sc-status: 404`)', () => {
    const sqli = all.find((r) => /SQL Injection Strings In URI/.test(r.title))!;
    const filter = sqli.detection['filter_main_status'] as { 'sc-status': number };
    const e = ok(parseCombined, line("GET /item?id=1'+UNION+SELECT+1 HTTP/1.1", 404));
    assert.equal(e['sc-status'], filter['sc-status']);
    assert.equal(typeof e['sc-status'], 'number');
  });

  it("an empty User-Agent matches `c-useragent: ''`, a missing one is null for `cs-user-agent: null`", () => {
    const empty = all.find(
      (r) => r.logsource.category === 'proxy' && value(r, 'selection', 'c-useragent') === '',
    );
    assert.ok(empty, 'the empty user agent rule is there');
    assert.equal(ok(parseCombined, line('GET / HTTP/1.1', 200, ''))['c-useragent'], '');
    const regeorg = all.find((r) => /ReGeorg/.test(r.title))!;
    const filter = regeorg.detection['filter'] as Record<string, unknown>;
    assert.equal(filter['cs-referer'], null);
    const e: WebserverEvent = ok(
      parseCombined,
      line('POST /tunnel.jsp?cmd=connect&target=10.0.0.1 HTTP/1.1', 200, '-', '-'),
    );
    assert.equal(e['cs-user-agent'] ?? null, null);
    assert.equal(e['cs-referer'] ?? null, null);
    assert.equal(e['cs-method'], filter['cs-method']);
  });

  it('proxy rules: c-uri-extension and cs-host', () => {
    const dyndns = all.find((r) => /Download from Suspicious Dyndns Hosts/i.test(r.title))!;
    const exts = value(dyndns, 'selection', 'c-uri-extension') as string[];
    assert.ok(exts.includes(full['c-uri-extension'] as string));
    assert.equal(full['cs-host'], 'h.example');
    assert.equal(full['cs-cookie'], 'a=b');
    assert.equal(full['dst_ip'], '10.0.0.1');
  });
});
