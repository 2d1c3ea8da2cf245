import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  compileCollection,
  loadSigmaFiles,
  parseSigmaDocuments,
  type SigmaEvent,
} from '../../src/sigma/index.js';
import { readTextFile } from '../../src/util/validate.js';
import { sharedDataDir } from '../helpers/shared.js';

const rulesDir = join(sharedDataDir, 'sigmahq-web', 'rules', 'web');
const corpus = loadSigmaFiles(rulesDir);
const engine = compileCollection(corpus);

function hits(ev: SigmaEvent): string[] {
  return engine.match(ev).map((r) => r.id ?? r.title);
}

/** Checks one corpus rule: `match` triggers it, `miss` (a near miss) does not. */
function rule(file: string, match: SigmaEvent, miss: SigmaEvent): void {
  const doc = parseSigmaDocuments(readTextFile(join(rulesDir, file)), file)[0]!;
  it(`${file}: ${doc.title}`, () => {
    assert.ok(hits(match).includes(doc.id!), `expected ${doc.title} to match ${JSON.stringify(match)}`);
    assert.ok(!hits(miss).includes(doc.id!), `expected ${doc.title} not to match ${JSON.stringify(miss)}`);
  });
}

const web = (uri: string, extra: Record<string, unknown> = {}): SigmaEvent => {
  const [stem] = uri.split('?');
  const ev = {
    'c-ip': '203.0.113.9',
    'cs-method': 'GET',
    'cs-uri-stem': stem,
    'cs-uri-query': uri,
    'sc-status': 200,
    'cs-user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0',
    'cs-referer': 'https://shop.example.com/',
    ...extra,
  };
  return {
    ...ev,
    _raw: `${ev['c-ip']} - - [01/Jan/2026:00:00:00 +0000] "${ev['cs-method']} ${uri} HTTP/1.1" ${ev['sc-status']} 512 "-" "${ev['cs-user-agent']}"`,
  };
};

describe('SigmaHQ web corpus', () => {
  it('loads and compiles every rule', () => {
    assert.equal(corpus.rules.length, 45);
    assert.equal(engine.rules.length, 45);
    assert.ok(engine.rules.every((r) => r.id && r.level && r.standalone));
    assert.deepEqual(engine.warnings, []);
  });

  it('matches nothing on benign traffic', () => {
    assert.deepEqual(hits(web('/index.html')), []);
    assert.deepEqual(hits(web('/search?q=red+shoes&page=2')), []);
  });

  describe('real rules fire on crafted events and not on near misses', () => {
    // keywords + selection and not 1 of filter_main_* (number 404 vs event number)
    rule(
      'webserver_generic/web_sql_injection_in_access_logs.yml',
      web('/item?id=1%20UNION%20SELECT%201,2--'),
      web('/item?id=1%20UNION%20SELECT%201,2--', { 'sc-status': 404 }),
    );
    // keywords + select_method and not filter; event status as a string this time
    rule(
      'webserver_generic/web_ssti_in_access_logs.yml',
      web('/page?x={{7*7}}'),
      web('/page?x={{7*7}}', { 'sc-status': '404' }),
    );
    rule(
      'webserver_generic/web_xss_in_access_logs.yml',
      web('/q?s=%3Cscript%3Ealert(document.cookie)'),
      web('/q?s=%3Cscript%3Ealert(document.cookie)', { 'cs-method': 'POST' }),
    );
    // contains list on a field, case-insensitive
    rule(
      'webserver_generic/web_susp_useragents.yml',
      web('/', { 'cs-user-agent': 'Mozilla/5.00 (NIKTO/2.1.6)' }),
      web('/', { 'cs-user-agent': 'Mozilla/5.0 (Nikto' }),
    );
    rule(
      'webserver_generic/web_path_traversal_exploitation_attempt.yml',
      web('/download?file=../../../etc/passwd'),
      web('/download?file=../etc/passwd'),
    );
    // contains + endswith + lists of methods and numeric statuses; "301" as a string matches 301
    rule(
      'webserver_generic/web_iis_tilt_shortname_scan.yml',
      web('/docs/abcdef~1a.aspx', { 'cs-method': 'OPTIONS', 'sc-status': '301' }),
      web('/docs/abcdef~1a.aspx', { 'sc-status': 404 }),
    );
    rule(
      'webserver_generic/web_f5_tm_utility_bash_api_request.yml',
      web('/mgmt/tm/util/bash', { 'cs-method': 'POST' }),
      web('/mgmt/tm/util/bash'),
    );
    // null values: referer and user agent absent (or null)
    rule(
      'webserver_generic/web_webshell_regeorg.yml',
      web('/tunnel.jsp?cmd=read', { 'cs-method': 'POST', 'cs-referer': null, 'cs-user-agent': undefined }),
      web('/tunnel.jsp?cmd=read', { 'cs-method': 'POST', 'cs-referer': null }),
    );
    // all of selection_* with a keyword list
    rule(
      'webserver_generic/web_win_webshells_in_access_logs.yml',
      web('/shell.aspx?c=whoami'),
      web('/shell.aspx?c=whoami', { 'cs-method': 'POST' }),
    );
    rule(
      'webserver_generic/web_jndi_exploit.yml',
      web(`/x/$\{jndi:ldap://h/Basic/Command/Base64/aWQ=}`),
      web('/x/Basic/Commands'),
    );
    rule('webserver_generic/web_source_code_enumeration.yml', web('/.git/config'), web('/.github/workflows'));
    rule(
      'webserver_generic/web_java_payload_in_access_logs.yml',
      web(`/?x=$\{@java.lang.Runtime@getRuntime().exec("id")}`),
      web('/?x=java'),
    );
    // keywords without _raw: every string value of the event is searched
    rule(
      'product/nginx/web_nginx_core_dump.yml',
      { message: 'worker process 1234 exited on signal 6 (core dumped)' },
      { message: 'worker process 1234 exited on signal 9' },
    );
  });

  describe('proxy rules', () => {
    const proxy = (extra: Record<string, unknown>): SigmaEvent => ({
      'c-ip': '10.1.2.3',
      'cs-method': 'GET',
      'c-uri': 'http://example.org/',
      'cs-host': 'example.org',
      'c-useragent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0',
      ...extra,
    });
    // value lists with leading/inner wildcards
    rule(
      'proxy_generic/proxy_ua_malware.yml',
      proxy({ 'c-useragent': 'Mozilla/4.0 <|> x' }),
      proxy({ 'c-useragent': 'Mozilla/4.0 <| > x' }),
    );
    rule(
      'proxy_generic/proxy_ua_frameworks.yml',
      proxy({ 'c-useragent': 'Internet Explorer 11' }),
      proxy({ 'c-useragent': 'InternetExplorer 11' }),
    );
    // 1 of selection_* and not 1 of filter_main_*, with an escaped ? in the value
    rule(
      'proxy_generic/proxy_hktl_cobalt_strike_malleable_c2_requests.yml',
      proxy({ 'c-uri': '/x/y?manifest=wac', 'cs-host': 'onedrive.live.com' }),
      proxy({ 'c-uri': 'https://onedrive.live.com/x?manifest=wac', 'cs-host': 'onedrive.live.com' }),
    );
    rule(
      'proxy_generic/proxy_hktl_baby_shark_default_agent_url.yml',
      proxy({ 'c-uri': 'http://evil/momyshark?key=1' }),
      proxy({ 'c-uri': 'http://evil/momysharkXkey=1' }),
    );
    // cidr (IPv4 and IPv6) in a negated filter with all of selection_*
    rule(
      'proxy_generic/proxy_webdav_external_execution.yml',
      proxy({
        'c-useragent': 'Microsoft-WebDAV-MiniRedir/10.0.19045',
        'c-uri': '/share/run.exe',
        dst_ip: '198.51.100.7',
      }),
      proxy({
        'c-useragent': 'Microsoft-WebDAV-MiniRedir/10.0.19045',
        'c-uri': '/share/run.exe',
        dst_ip: 'fe80::1c:2',
      }),
    );
    // contains|all
    rule(
      'proxy_generic/proxy_pua_advanced_ip_scanner_update_check.yml',
      proxy({
        'c-uri': 'http://www.advanced-ip-scanner.com/checkupdate.php',
        'c-uri-query': 'lng=en&ver=2-5&beta=n&type=upd&rmode=p&product=aips',
      }),
      proxy({
        'c-uri': 'http://www.advanced-ip-scanner.com/checkupdate.php',
        'c-uri-query': 'lng=en&ver=2-5&beta=n&type=upd&product=aips',
      }),
    );
    // re with an inline (?i) flag
    rule(
      'proxy_generic/proxy_susp_ipfs_cred_harvest.yml',
      proxy({ 'cs-uri': 'https://IPFS.io/ipfs/Qm/index.html#victim@corp.com' }),
      proxy({ 'cs-uri': 'https://ipfs.io/ipfs/Qm/index.html' }),
    );
    // 1 of selection* and not falsepositives (a list of maps, one with an inner wildcard)
    rule(
      'proxy_generic/proxy_ua_susp.yml',
      proxy({ 'c-useragent': 'Mozilla/3.0 (compatible; Indy Library)' }),
      proxy({ 'c-useragent': 'Mozilla/3.0 (compatible; Acrobat 5.0; Windows)' }),
    );
    // empty value: '' matches an empty field, not a missing one
    rule(
      'proxy_generic/proxy_ua_empty.yml',
      proxy({ 'c-useragent': '' }),
      proxy({ 'c-useragent': undefined }),
    );
    // list of maps and not filter (endswith)
    rule(
      'proxy_generic/proxy_susp_flash_download_loc.yml',
      proxy({ 'c-uri': 'http://x.example/install_flash_player.exe', 'cs-host': 'x.example' }),
      proxy({ 'c-uri': 'http://get.adobe.com/install_flash_player.exe', 'cs-host': 'get.adobe.com' }),
    );
    rule(
      'proxy_generic/proxy_ua_bitsadmin_susp_tld.yml',
      proxy({ 'c-useragent': 'Microsoft BITS/7.8', 'cs-host': 'files.example.xyz' }),
      proxy({ 'c-useragent': 'Microsoft BITS/7.8', 'cs-host': 'update.example.com' }),
    );
  });
});
