/**
 * Alert samples whose text was not sent by a worker thread (to keep matched events small) are read
 * back from the file at their offset when the alert is reported: the same bytes, decoded as the
 * reader decodes a line (ASCII or UTF-8, without its `\r\n`).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { Alert } from '../alerts/model.js';
import { DEFAULT_MAX_LINE_BYTES } from '../logs/lines.js';

export function fillSampleTexts(alerts: readonly Alert[]): void {
  const fds = new Map<string, number>();
  const buf = Buffer.allocUnsafe(DEFAULT_MAX_LINE_BYTES + 2);
  try {
    for (const a of alerts)
      for (const s of a.samples) {
        if (s.text !== '' || !s.file || s.file === '-') continue;
        let fd = fds.get(s.file);
        if (fd === undefined) {
          try {
            fd = openSync(s.file, 'r');
          } catch {
            continue;
          }
          fds.set(s.file, fd);
        }
        const n = readSync(fd, buf, 0, buf.length, s.offset);
        let end = buf.subarray(0, n).indexOf(10);
        if (end === -1) end = n;
        if (end > 0 && buf[end - 1] === 13) end--;
        s.text = buf.toString('utf8', 0, end);
      }
  } finally {
    for (const fd of fds.values()) closeSync(fd);
  }
}
