/**
 * The fast path: NCSA common / combined (nginx and Apache defaults) and Apache `vhost_combined`.
 *
 *   common:          %h %l %u %t "%r" %>s %b
 *   combined:        common + "%{Referer}i" "%{User-Agent}i"
 *   vhost_combined:  %v:%p + combined
 *
 * Hand-written indexOf/charCode scanning, no regular expressions: detect runs this on every line.
 * Anything after the user agent (nginx `main` adds "$http_x_forwarded_for", Traefik adds its own fields)
 * is ignored, so extended formats still parse. Lines without escapes (nearly all) are cut into
 * slices of the line in place; the request-line split repeats request.ts's splitRequestLine inline.
 */

import { LineError, type LineParser, type LineRef, makeEvent, NO_REF, type WebserverEvent } from './event.js';
import { closingQuote, dashless, parseCount, splitRequestLine } from './request.js';
import { CLF_TIME_LENGTH, clfTimeAt, timeOrUndefined } from './time.js';
import { unescapeLogValue } from './unescape.js';

function fail(reason: string, col: number): LineError {
  return new LineError(`${reason} at column ${col + 1}`);
}

/** A quoted CLF value [from, to): `-` means absent; unescaped only when the line has escapes at all. */
function field(s: string, from: number, to: number, escaped: boolean): string | undefined {
  if (to - from === 1 && s.charCodeAt(from) === 45) return undefined;
  const v = s.slice(from, to);
  return escaped ? unescapeLogValue(v) : v;
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
  const tEnd = br + 2 + CLF_TIME_LENGTH;
  if (s.charCodeAt(tEnd) !== 93) {
    return s.indexOf(']', br + 2) === -1
      ? fail("expected ']' closing the time", br + 2)
      : fail('bad time (want dd/Mon/yyyy:HH:MM:SS +zzzz)', br + 2);
  }
  const time = clfTimeAt(s, br + 2);
  if (Number.isNaN(time)) return fail('bad time (want dd/Mon/yyyy:HH:MM:SS +zzzz)', br + 2);
  if (s.charCodeAt(tEnd + 1) !== 32 || s.charCodeAt(tEnd + 2) !== 34)
    return fail("expected ' \"' before the request", tEnd + 1);
  const rq0 = tEnd + 3;
  // One search tells whether anything from here on is escaped; almost no line is, and then every
  // value is a plain slice of the line.
  const escaped = s.indexOf('\\', rq0) !== -1;
  const rq1 = escaped ? closingQuote(s, rq0) : s.indexOf('"', rq0);
  if (rq1 === -1) return fail("expected '\"' closing the request (truncated line?)", rq0);

  // The request line, split in place: method, target, protocol.
  let method: string | undefined;
  let target: string | undefined;
  let version: string | undefined;
  if (escaped) {
    const r = splitRequestLine(unescapeLogValue(s.slice(rq0, rq1)));
    method = r.method;
    target = r.target;
    version = r.version;
  } else {
    const a = s.indexOf(' ', rq0);
    if (a > rq0 && a < rq1) {
      method = s.slice(rq0, a);
      // Last space by a backward scan: the protocol is short, lastIndexOf is a slow runtime call.
      let z = rq1 - 1;
      while (z > a && s.charCodeAt(z) !== 32) z--;
      if (
        z > a &&
        s.charCodeAt(z + 1) === 72 && // H
        s.charCodeAt(z + 2) === 84 && // T
        s.charCodeAt(z + 3) === 84 && // T
        s.charCodeAt(z + 4) === 80 && // P
        s.charCodeAt(z + 5) === 47 // /
      ) {
        target = s.slice(a + 1, z);
        version = s.slice(z + 1, rq1);
      } else target = s.slice(a + 1, rq1);
    }
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
    const rf1 = escaped ? closingQuote(s, rf0) : s.indexOf('"', rf0);
    if (rf1 === -1) return fail("expected '\"' closing the referer (truncated line?)", rf0);
    referer = field(s, rf0, rf1, escaped);
    if (s.charCodeAt(rf1 + 1) !== 32 || s.charCodeAt(rf1 + 2) !== 34)
      return fail("expected ' \"' before the user agent", rf1 + 1);
    const ua0 = rf1 + 3;
    const ua1 = escaped ? closingQuote(s, ua0) : s.indexOf('"', ua0);
    if (ua1 === -1) return fail("expected '\"' closing the user agent (truncated line?)", ua0);
    ua = field(s, ua0, ua1, escaped);
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
