/**
 * What each nginx variable / Apache `%` directive means as a Sigma field, and what its logged value
 * looks like (so the compiled line pattern can tell where one field ends and the next begins).
 */

import { type Acc, num, secondsToMs, str } from './accumulate.js';
import { responseHeaderField } from './event.js';
import { parseAnyTime, parseClfTime, parseEpoch, timeOrUndefined } from './time.js';

export type Setter = (acc: Acc, value: string) => void;

export interface VarSpec {
  /** Undefined for variables we recognise but do not map (or do not know): matched, then ignored. */
  set: Setter | undefined;
  /** Regular-expression source for the value when it is not quoted or bracketed. */
  pattern: string;
}

export const TOKEN = '\\S*';
export const ANY = '.*?';
const NUMBER = '-|[0-9.]+';
const STATUS = '\\d{3}|-';
const CLF_TIME = '\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4}';
// Tighter shapes for variables that are often written next to each other (`$scheme://$host$uri$is_args$args`).
const PATH = '[^\\s?]*';
const HOST = '[^\\s/]*';
const SCHEME = '[a-z]*';

const v = (set: Setter | undefined, pattern = TOKEN): VarSpec => ({ set, pattern });

const setStatus: Setter = (a, x) => {
  a.status = num(x);
};
const setTime: Setter = (a, x) => {
  a.time ??= timeOrUndefined(parseAnyTime(x));
};

const NGINX: Record<string, VarSpec> = {
  remote_addr: v((a, x) => {
    a.ip = str(x);
  }),
  realip_remote_addr: v((a, x) => {
    a.ipFallback = str(x);
  }),
  binary_remote_addr: v(undefined, ANY),
  remote_port: v((a, x) => a.extra('c-port', num(x))),
  remote_user: v((a, x) => {
    a.user = str(x);
  }, ANY),
  time_local: v((a, x) => {
    a.time ??= timeOrUndefined(parseClfTime(x));
  }, CLF_TIME),
  time_iso8601: v(setTime),
  // Millisecond precision: wins over $time_local / $time_iso8601 when both are logged.
  msec: v((a, x) => {
    a.time = timeOrUndefined(parseEpoch(x)) ?? a.time;
  }),
  request: v((a, x) => a.requestLine(x), ANY),
  request_method: v((a, x) => {
    a.method = str(x);
  }),
  request_uri: v((a, x) => {
    a.target = str(x);
  }),
  uri: v((a, x) => {
    a.path = str(x);
  }, PATH),
  document_uri: v((a, x) => {
    a.path = str(x);
  }, PATH),
  args: v((a, x) => {
    a.query = x === '-' ? undefined : x;
  }),
  query_string: v((a, x) => {
    a.query = x === '-' ? undefined : x;
  }),
  is_args: v(undefined, '\\??'),
  server_protocol: v((a, x) => {
    a.version = str(x);
  }),
  status: v(setStatus, STATUS),
  body_bytes_sent: v((a, x) => {
    a.scBodyBytes = num(x);
  }, NUMBER),
  bytes_sent: v((a, x) => {
    a.scBytes = num(x);
  }, NUMBER),
  request_length: v((a, x) => {
    a.csBytes = num(x);
  }, NUMBER),
  request_time: v((a, x) => {
    a.timeTaken = secondsToMs(x);
  }, NUMBER),
  upstream_response_time: v((a, x) => a.extra('upstream-response-time', str(x))),
  upstream_connect_time: v((a, x) => a.extra('upstream-connect-time', str(x))),
  upstream_header_time: v((a, x) => a.extra('upstream-header-time', str(x))),
  upstream_addr: v((a, x) => a.extra('upstream-addr', str(x))),
  upstream_status: v((a, x) => a.extra('upstream-status', str(x))),
  host: v((a, x) => {
    a.host = str(x);
  }, HOST),
  server_name: v((a, x) => {
    a.hostFallback = str(x);
    a.extra('s-sitename', str(x));
  }),
  server_addr: v((a, x) => {
    a.extra('s-ip', str(x));
    a.extra('dst_ip', str(x));
  }),
  server_port: v((a, x) => a.extra('s-port', num(x))),
  scheme: v((a, x) => a.extra('cs-scheme', str(x)), SCHEME),
  proxy_add_x_forwarded_for: v((a, x) => a.extra('cs-x-forwarded-for', str(x)), ANY),
  request_id: v((a, x) => a.extra('x-request-id', str(x))),
};

export function nginxVar(name: string): VarSpec {
  const known = NGINX[name];
  if (known) return known;
  if (name.startsWith('http_')) {
    const h = name.slice(5);
    return v((a, x) => a.header(h, x), ANY);
  }
  if (name.startsWith('sent_http_')) {
    const field = responseHeaderField(name.slice(10));
    return v((a, x) => a.extra(field, str(x)), ANY);
  }
  // Unknown variables ($connection, $ssl_cipher, $cookie_*, $arg_* ...) are matched and dropped.
  return v(undefined, ANY);
}

/** An Apache directive: `%>s` → letter `s`; `%{User-Agent}i` → letter `i`, arg `User-Agent`. */
export function apacheVar(letter: string, arg: string | undefined): VarSpec {
  switch (letter) {
    case 'a':
      // %{c}a is the TCP peer even when mod_remoteip rewrote %a; prefer plain %a.
      return arg === 'c'
        ? v((a, x) => {
            a.ipFallback = str(x);
          })
        : v((a, x) => {
            a.ip = str(x);
          });
    case 'h':
      return v((a, x) => {
        a.ipFallback = str(x);
      });
    case 'A':
      return v((a, x) => {
        a.extra('s-ip', str(x));
        a.extra('dst_ip', str(x));
      });
    case 'u':
      return v((a, x) => {
        a.user = str(x);
      }, ANY);
    case 't':
      return apacheTime(arg);
    case 'r':
      return v((a, x) => a.requestLine(x), ANY);
    case 'm':
      return v((a, x) => {
        a.method = str(x);
      });
    case 'U':
      return v((a, x) => {
        a.path = str(x);
      }, PATH);
    case 'q':
      return v((a, x) => {
        a.query = x.startsWith('?') ? x.slice(1) : undefined;
      });
    case 'H':
      return v((a, x) => {
        a.version = str(x);
      });
    case 's':
      return v(setStatus, STATUS);
    case 'O':
      return v((a, x) => {
        a.scBytes = num(x) ?? 0;
      }, NUMBER);
    case 'b':
    case 'B':
      return v((a, x) => {
        a.scBodyBytes = num(x) ?? 0;
      }, NUMBER);
    case 'I':
      return v((a, x) => {
        a.csBytes = num(x);
      }, NUMBER);
    case 'D':
      return v((a, x) => {
        const n = num(x);
        a.timeTaken = n === undefined ? undefined : n / 1000;
      }, NUMBER);
    case 'T':
      return v((a, x) => {
        const n = num(x);
        if (n === undefined) return;
        a.timeTaken = arg === 'ms' ? n : arg === 'us' ? n / 1000 : n * 1000;
      }, NUMBER);
    case 'v':
    case 'V':
      return v((a, x) => {
        a.hostFallback = str(x);
      });
    case 'p':
      return arg === 'remote'
        ? v((a, x) => a.extra('c-port', num(x)))
        : v((a, x) => a.extra('s-port', num(x)));
    case 'i':
      if (!arg) return v(undefined, ANY);
      return v((a, x) => a.header(arg, x), ANY);
    case 'o':
      if (!arg) return v(undefined, ANY);
      return v((a, x) => a.extra(responseHeaderField(arg), str(x)), ANY);
    case 'L':
      return v((a, x) => a.extra('x-request-id', str(x)));
    default:
      // %l (ident), %P, %k, %X, %f, %{..}e/n/C/^ti ...: matched and dropped.
      return v(undefined, ANY);
  }
}

/** `%t` logs `[10/Oct/2000:13:55:36 -0700]` with its brackets; `%{sec}t` etc. are epoch numbers. */
function apacheTime(arg: string | undefined): VarSpec {
  const fmt = arg?.replace(/^(begin|end):/, '');
  if (!fmt) {
    return v((a, x) => {
      a.time = timeOrUndefined(parseClfTime(x.slice(1, -1)));
    }, `\\[${CLF_TIME}\\]`);
  }
  if (fmt === 'sec' || fmt === 'msec' || fmt === 'usec') {
    const div = fmt === 'sec' ? 0.001 : fmt === 'msec' ? 1 : 1000;
    return v((a, x) => {
      const n = num(x);
      a.time = n === undefined ? undefined : Math.round(n / div);
    }, NUMBER);
  }
  // A strftime pattern: ISO-like ones (`%Y-%m-%dT%H:%M:%S%z`) parse; others leave _time unset.
  return v(setTime, fmt.includes(' ') ? ANY : TOKEN);
}
