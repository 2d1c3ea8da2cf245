import yauzl from 'yauzl';
import { UserError } from '../util/errors.js';

/**
 * Reads the entries of a zip archive one at a time, so memory stays bounded by the largest
 * allowed entry whatever the archive's size. yauzl reads the central directory and checks each
 * entry's real size against its declared size while streaming (a lying header is an error, not an
 * unbounded read); the limits here reject oversized entries and zip bombs before inflating them.
 */
export interface ZipLimits {
  /** Largest uncompressed entry accepted. */
  maxEntryBytes: number;
  /** Largest sum of uncompressed sizes of the entries read. */
  maxTotalBytes: number;
  maxEntries: number;
  /** Largest uncompressed/compressed ratio for entries over 1 MiB (JSON is ~5–20). */
  maxRatio: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntryBytes: 16 * 1024 * 1024,
  maxTotalBytes: 8 * 1024 * 1024 * 1024,
  maxEntries: 2_000_000,
  maxRatio: 200,
};

export interface ZipEntryData {
  name: string;
  data: Buffer;
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function zipError(err: unknown, path: string): UserError {
  if (err instanceof UserError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new UserError(`not a readable zip archive (${msg})`, path);
}

/** Yields the file entries whose names pass `want`, in archive order. */
export async function* readZipEntries(
  path: string,
  want: (name: string) => boolean,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): AsyncGenerator<ZipEntryData> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, {
      lazyEntries: true,
      validateEntrySizes: true,
      strictFileNames: false,
    });
  } catch (err) {
    throw zipError(err, path);
  }
  const next = () =>
    new Promise<yauzl.Entry | null>((resolve, reject) => {
      const onEntry = (e: yauzl.Entry) => done(() => resolve(e));
      const onEnd = () => done(() => resolve(null));
      const onError = (err: Error) => done(() => reject(err));
      const done = (f: () => void) => {
        zip.off('entry', onEntry);
        zip.off('end', onEnd);
        zip.off('error', onError);
        f();
      };
      zip.on('entry', onEntry);
      zip.on('end', onEnd);
      zip.on('error', onError);
      zip.readEntry();
    });

  let total = 0;
  let count = 0;
  try {
    for (;;) {
      let entry: yauzl.Entry | null;
      try {
        entry = await next();
      } catch (err) {
        throw zipError(err, path);
      }
      if (!entry) return;
      const name = entry.fileName;
      if (name.endsWith('/') || !want(name)) continue;
      const where = `${path}:${name}`;
      if (++count > limits.maxEntries) throw new UserError(`more than ${limits.maxEntries} entries`, path);
      if (entry.isEncrypted()) throw new UserError('encrypted entries are not supported', where);
      const size = entry.uncompressedSize;
      if (size > limits.maxEntryBytes) {
        throw new UserError(
          `entry is ${mib(size)} uncompressed, over the ${mib(limits.maxEntryBytes)} limit`,
          where,
        );
      }
      if (size > 1024 * 1024 && size / Math.max(entry.compressedSize, 1) > limits.maxRatio) {
        throw new UserError(
          `entry expands ${Math.round(size / Math.max(entry.compressedSize, 1))}x (${mib(size)}): refusing a likely zip bomb`,
          where,
        );
      }
      total += size;
      if (total > limits.maxTotalBytes) {
        throw new UserError(`archive expands to more than ${mib(limits.maxTotalBytes)}`, path);
      }
      let data: Buffer;
      try {
        data = await readAll(await zip.openReadStreamPromise(entry), limits.maxEntryBytes);
      } catch (err) {
        throw err instanceof UserError ? new UserError(err.message, where) : zipError(err, where);
      }
      yield { name, data };
    }
  } finally {
    zip.close();
  }
}

async function readAll(stream: NodeJS.ReadableStream & { destroy(): void }, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    n += b.length;
    // Belt and braces: yauzl already stops at the declared size.
    if (n > max) {
      stream.destroy();
      throw new UserError(`entry grows past the ${mib(max)} limit`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks, n);
}
