import type { IncomingMessage } from 'node:http';

export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: 'too-large' | 'aborted' };

/**
 * Reads a request body (at most `max` bytes) and puts the bytes back into the stream, so whatever
 * reads the request after the middleware (express.json(), an SDK transport reading `req` itself)
 * still gets them. Reading in paused mode and unshifting in the same tick as the last read keeps
 * the 'end' event from being emitted in between.
 */
export function readAndReplay(req: IncomingMessage, max: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (r: BodyResult) => {
      req.off('readable', onReadable);
      req.off('error', onError);
      req.off('aborted', onError);
      resolve(r);
    };
    const onError = () => done({ ok: false, reason: 'aborted' });
    const onReadable = () => {
      let c: Buffer | null;
      // biome-ignore lint/suspicious/noAssignInExpressions: the usual read loop
      while ((c = req.read() as Buffer | null) !== null) {
        size += c.length;
        if (size > max) {
          done({ ok: false, reason: 'too-large' });
          return;
        }
        chunks.push(c);
      }
      if (!req.complete) return;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      if (body.length > 0) req.unshift(body);
      done({ ok: true, body });
    };
    req.on('readable', onReadable);
    req.on('error', onError);
    req.on('aborted', onError);
  });
}
