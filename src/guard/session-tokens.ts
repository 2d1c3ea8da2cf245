import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * What a token stands for; bound into the token, so one kind never opens as another.
 * `session`: an upstream's `Mcp-Session-Id`. `legacy`: a legacy SSE endpoint (route + target).
 */
export type TokenKind = 'session' | 'legacy';

/**
 * Plaintext sizes. Every value up to 128 bytes (every SDK's session ids and endpoints are far
 * shorter) gives a token of the same length; longer ones, up to 1024 bytes, share a second length.
 */
const BUCKETS = [128, 1024] as const;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const tokenChars = (bucket: number) => Math.ceil(((IV_BYTES + bucket + TAG_BYTES) * 4) / 3);
const TOKEN_CHARS = new Set(BUCKETS.map(tokenChars));
/** Length of the token for any value up to 128 bytes. */
export const TOKEN_LENGTH = tokenChars(BUCKETS[0]);
const ALPHABET = /^[A-Za-z0-9_-]+$/;

/** Whether `s` has the shape of a token (length and alphabet); says nothing of whether it opens. */
export function isTokenShaped(s: string): boolean {
  return TOKEN_CHARS.has(s.length) && ALPHABET.test(s);
}

/**
 * Stateless opaque tokens: base64url(iv ‖ AES-256-GCM(value padded with NULs to a fixed size) ‖ tag).
 * The guard keeps no table: a token carries what it stands for, and only this key opens it, so a
 * forged or altered token fails authentication. The IV is an HMAC of the kind and padded value
 * (a synthetic IV), so a value always gets the same token: a session's id stays the same on every
 * response, as a server's own would, and the IV repeats only for the same plaintext.
 */
export class SessionTokens {
  private readonly encKey: Buffer;
  private readonly macKey: Buffer;
  /**
   * Recent seals and opens: every response of a session carries the same id and every request the
   * same token, so most of the crypto would be repeated work. Bounded; cleared when full.
   */
  private readonly sealed = new Map<string, string>();
  private readonly opened = new Map<string, string>();
  private static readonly CACHE = 4096;

  /** `secret`: 32 bytes (see session-key.ts); a new random one when absent (tokens last as long as the process). */
  constructor(secret: Buffer = randomBytes(32)) {
    const keys = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'mcpward guard session tokens', 64));
    this.encKey = keys.subarray(0, 32);
    this.macKey = keys.subarray(32);
  }

  /** The token for `value`, or undefined when it cannot have one (over 1024 bytes, or a NUL byte in it). */
  seal(kind: TokenKind, value: string): string | undefined {
    const key = `${kind}\u0000${value}`;
    const hit = this.sealed.get(key);
    if (hit !== undefined) return hit;
    const token = this.sealNew(kind, value);
    if (token !== undefined) remember(this.sealed, key, token, SessionTokens.CACHE);
    return token;
  }

  private sealNew(kind: TokenKind, value: string): string | undefined {
    const bytes = Buffer.from(value, 'latin1');
    const bucket = BUCKETS.find((b) => bytes.length <= b);
    if (bucket === undefined || bytes.includes(0)) return undefined;
    const padded = Buffer.alloc(bucket);
    bytes.copy(padded);
    const iv = createHmac('sha256', this.macKey).update(kind).update('\0').update(padded).digest();
    const cipher = createCipheriv('aes-256-gcm', this.encKey, iv.subarray(0, IV_BYTES));
    cipher.setAAD(Buffer.from(kind));
    const body = Buffer.concat([cipher.update(padded), cipher.final()]);
    return Buffer.concat([iv.subarray(0, IV_BYTES), body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The value a token stands for, or undefined when it is not one of ours (forged, altered, other key or kind). */
  open(kind: TokenKind, token: string): string | undefined {
    const key = `${kind}\u0000${token}`;
    const hit = this.opened.get(key);
    if (hit !== undefined) return hit;
    const value = this.openNew(kind, token);
    if (value !== undefined) remember(this.opened, key, value, SessionTokens.CACHE);
    return value;
  }

  private openNew(kind: TokenKind, token: string): string | undefined {
    if (!isTokenShaped(token)) return undefined;
    const raw = Buffer.from(token, 'base64url');
    // base64url has spare bits in a last partial group: only the canonical spelling is a token.
    if (raw.toString('base64url') !== token) return undefined;
    const iv = raw.subarray(0, IV_BYTES);
    const tag = raw.subarray(raw.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.encKey, iv);
    decipher.setAAD(Buffer.from(kind));
    decipher.setAuthTag(tag);
    let padded: Buffer;
    try {
      padded = Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      return undefined;
    }
    const end = padded.indexOf(0);
    return padded.subarray(0, end === -1 ? padded.length : end).toString('latin1');
  }
}

function remember(cache: Map<string, string>, key: string, value: string, max: number): void {
  if (cache.size >= max) cache.clear();
  cache.set(key, value);
}
