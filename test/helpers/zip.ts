import { createWriteStream } from 'node:fs';
import yazl from 'yazl';

/** Writes a real zip archive (deflated entries) with yazl. */
export function writeZip(
  path: string,
  entries: { name: string; data: Buffer | string; store?: boolean }[],
): Promise<void> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    for (const e of entries) {
      zip.addBuffer(Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data), e.name, { compress: !e.store });
    }
    zip.end();
    const out = createWriteStream(path);
    out.on('error', reject);
    out.on('close', () => resolve());
    zip.outputStream.on('error', reject).pipe(out);
  });
}
