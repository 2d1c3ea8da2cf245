/**
 * The fast path: NCSA common / combined (nginx and Apache defaults) and Apache `vhost_combined`.
 *
 *   common:          %h %l %u %t "%r" %>s %b
 *   combined:        common + "%{Referer}i" "%{User-Agent}i"
 *   vhost_combined:  %v:%p + combined
 *
 * Hand-written indexOf/charCode scanning, no regular expressions: detect runs this on every line.
 * Anything after the user agent (nginx `main` adds "$http_x_forwarded_for", Traefik adds its own fields)
 * is ignored, so extended formats still parse. The request-line split repeats request.ts's
 * splitRequestLine inline, to save an allocation per line.
 */

import { LineError, type LineParser, type LineRef, makeEvent, NO_REF, type WebserverEvent } from './event.js';
import { closingQuote, dashless, parseCount } from './request.js';
import { CLF_TIME_LENGTH, cachedClfTimeAt, parseClfTime, timeOrUndefined } from './time.js';
import { unescapeLogValue } from './unescape.js';

function fail(reason: string, col: number): LineError {
  return new LineError(`${reason} at column ${col + 1}`);
}

/** Parses `common` or `combined` starting at `start`; `host` comes from a vhost prefix if any. */
function parseClfFrom(
  s: string,
  start: number,
  host: string | undefined,
  ref: Readonly<LineRef>,
): WebserverEvent | LineError {
  const sp1 = s.indexOf(' ', start);
  if (sp1 <= start) return fail('expected client address', start);
  const ip = s.slice(start, sp1);
  // ident, then user up to " [" (a user name may contain spaces).
  const sp2 = s.indexOf(' ', sp1 + 1);
  const br = s.indexOf(' [', sp1);
  if (sp2 === -1 || br === -1 || br < sp2) return fail("expected ident, user and '[time]'", sp1 + 1);
  const user = br > sp2 + 1 ? dashless(s.slice(sp2 + 1, br)) : undefined;
  let time = cachedClfTimeAt(s, br + 2);
  let tEnd = br + 2 + CLF_TIME_LENGTH;
  if (Number.isNaN(time) || s.charCodeAt(tEnd) !== 93) {
    tEnd = s.indexOf(']', br + 2);
    if (tEnd === -1) return fail("expected ']' closing the time", br + 2);
    time = parseClfTime(s.slice(br + 2, tEnd));
    if (Number.isNaN(time)) return fail('bad time (want dd/Mon/yyyy:HH:MM:SS +zzzz)', br + 2);
  }
  if (s.charCodeAt(tEnd + 1) !== 32 || s.charCodeAt(tEnd + 2) !== 34)
    return fail("expected ' \"' before the request", tEnd + 1);
  const rq0 = tEnd + 3;
  const rq1 = closingQuote(s, rq0);
  if (rq1 === -1) return fail("expected '\"' closing the request (truncated line?)", rq0);
  // The request line, split inline (this is the hot path): method, target, protocol.
  let method: string | undefined;
  let target: string | undefined;
  let version: string | undefined;
  const req = unescapeLogValue(s.slice(rq0, rq1));
  const a = req.indexOf(' ');
  if (a > 0) {
    method = req.slice(0, a);
    const z = req.lastIndexOf(' ');
    if (z > a && req.startsWith('HTTP/', z + 1)) {
      target = req.slice(a + 1, z);
      version = req.slice(z + 1);
    } else target = req.slice(a + 1);
  }
  if (s.charCodeAt(rq1 + 1) !== 32) return fail('expected a space before the status', rq1 + 1);
  const st0 = rq1 + 2;
  let st1 = s.indexOf(' ', st0);
  if (st1 === -1) st1 = s.length;
  const status = parseCount(s, st0, st1);
  if (Number.isNaN(status) || st1 - st0 !== 3) return fail('expected a 3-digit status', st0);
  if (st1 === s.length) return fail('expected the byte count after the status (truncated line?)', st1);
  const by0 = st1 + 1;
  let by1 = s.indexOf(' ', by0);
  if (by1 === -1) by1 = s.length;
  const bytes = parseCount(s, by0, by1);
  if (Number.isNaN(bytes)) return fail('expected a byte count', by0);

  let referer: string | undefined;
  let ua: string | undefined;
  if (by1 + 1 < s.length && s.charCodeAt(by1 + 1) === 34) {
    const rf0 = by1 + 2;
    const rf1 = closingQuote(s, rf0);
    if (rf1 === -1) return fail("expected '\"' closing the referer (truncated line?)", rf0);
    referer = dashless(s.slice(rf0, rf1));
    if (s.charCodeAt(rf1 + 1) !== 32 || s.charCodeAt(rf1 + 2) !== 34)
      return fail("expected ' \"' before the user agent", rf1 + 1);
    const ua0 = rf1 + 3;
    const ua1 = closingQuote(s, ua0);
    if (ua1 === -1) return fail("expected '\"' closing the user agent (truncated line?)", ua0);
    ua = dashless(s.slice(ua0, ua1));
  }
  return makeEvent(
    ip,
    user,
    method,
    target,
    version,
    status,
    bytes,
    undefined,
    referer,
    ua,
    host,
    undefined,
    timeOrUndefined(time),
    s,
    ref,
  );
}

/** nginx / Apache `combined`; also accepts `common` lines and ignores fields after the user agent. */
export const parseCombined: LineParser = (s, ref = NO_REF) => parseClfFrom(s, 0, undefined, ref);

/** NCSA `common` (the same scanner: a combined line parses too, with its referer and user agent). */
export const parseCommon: LineParser = parseCombined;

/** Apache `vhost_combined`: `%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"`. */
export const parseVhostCombined: LineParser = (s, ref = NO_REF) => {
  const sp = s.indexOf(' ');
  if (sp <= 0) return fail('expected vhost:port', 0);
  const colon = s.lastIndexOf(':', sp);
  if (colon <= 0) return fail("expected vhost:port (no ':')", 0);
  const port = parseCount(s, colon + 1, sp);
  if (Number.isNaN(port) || port > 65535) return fail('expected a port after the vhost', colon + 1);
  const ev = parseClfFrom(s, sp + 1, s.slice(0, colon), ref);
  if (ev instanceof LineError) return ev;
  // The port is the only field beyond combined; adding it after construction keeps the common shape first.
  return Object.assign(ev, { 's-port': port });
};
