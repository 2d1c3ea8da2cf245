import { createWriteStream, type WriteStream } from 'node:fs';
import { formatAuditRecord } from '../logs/audit.js';
import type { SigmaEventFields } from './event.js';

/**
 * The audit log (SAFE-M-12): one line per request, JSON keyed by Sigma webserver field names (what
 * `mcpward detect` reads without options) or nginx's combined format. The event it is made from has
 * secrets removed already (event.ts). Writes are buffered and never block a request: lines are
 * batched, and when the disk falls behind by more than `maxBacklog` bytes new lines are dropped and
 * counted rather than queued without bound.
 */

/** The mcpward audit format (src/logs/audit.ts), which `mcpward detect` reads back without options. */
export function formatJsonRecord(e: SigmaEventFields): string {
  return formatAuditRecord({ ...e, '@timestamp': e._time });
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function clfTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** nginx `$http_x` style: quotes and backslashes escaped, control bytes as \xHH. */
function q(v: string | undefined): string {
  if (v === undefined || v === '') return '-';
  return v.replace(/[\\"\x00-\x1f\x7f]/g, (c) =>
    c === '"' || c === '\\' ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** nginx `combined`: `$remote_addr - - [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`. */
export function formatCombinedRecord(e: SigmaEventFields): string {
  const request = `${e['cs-method'] ?? '-'} ${e['cs-uri-query'] ?? '/'} ${e['cs-version'] ?? 'HTTP/1.1'}`;
  return `${e['c-ip'] ?? '-'} - - [${clfTime(e._time)}] "${q(request)}" ${e['sc-status'] ?? 0} ${e['sc-bytes'] ?? 0} "${q(e['cs-referer'])}" "${q(e['cs-user-agent'])}"\n`;
}

export class AuditLog {
  private stream: NodeJS.WritableStream;
  private buffer = '';
  private timer: NodeJS.Timeout | undefined;
  /** Lines dropped because the disk fell behind. */
  dropped = 0;
  private readonly format: (e: SigmaEventFields) => string;

  constructor(
    private readonly path: string,
    format: 'json' | 'combined' = 'json',
    private readonly maxBacklog = 8 * 1024 * 1024,
  ) {
    this.format = format === 'combined' ? formatCombinedRecord : formatJsonRecord;
    this.stream = this.open();
  }

  private open(): NodeJS.WritableStream {
    if (this.path === '-') return process.stdout;
    const s: WriteStream = createWriteStream(this.path, { flags: 'a' });
    // A failing disk must not crash the guard: the error is remembered and lines are dropped.
    s.on('error', () => {
      this.broken = true;
    });
    return s;
  }

  private broken = false;

  write(e: SigmaEventFields): void {
    const line = this.format(e);
    const backlog = (this.stream as WriteStream).writableLength ?? 0;
    if (this.broken || backlog + this.buffer.length > this.maxBacklog) {
      this.dropped++;
      return;
    }
    this.buffer += line;
    if (this.buffer.length >= 64 * 1024) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), 50).unref();
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.buffer) return;
    const b = this.buffer;
    this.buffer = '';
    this.stream.write(b);
  }

  /** logrotate moved the file: write to a new one at the same path. */
  reopen(): void {
    if (this.path === '-') return;
    this.flush();
    const old = this.stream as WriteStream;
    this.broken = false;
    this.stream = this.open();
    old.end();
  }

  close(): Promise<void> {
    this.flush();
    if (this.path === '-') return Promise.resolve();
    return new Promise((resolve) => (this.stream as WriteStream).end(() => resolve()));
  }
}
