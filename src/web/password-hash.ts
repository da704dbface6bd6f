/**
 * Password hashes for the people who sign in to the web page: `node:crypto`'s scrypt (RFC 7914),
 * memory-hard, in Node.js itself (no native add-on to build, the same on Node 20, 22 and 24).
 * Stored as `scrypt$<N>$<r>$<p>$<salt base64url>$<hash base64url>` so the cost can be raised
 * later without breaking stored hashes. Parameters: N = 2^15 (32 MiB), r = 8, p = 3, one of the
 * equivalent minimums of OWASP's Password Storage Cheat Sheet (scrypt section), a 16-byte salt and
 * a 32-byte key.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_BYTES = 32;
const DEFAULT = { N: 2 ** 15, r: 8, p: 3 } as const;

function scryptAsync(password: string, salt: Buffer, keylen: number, o: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, o, (err, key) => (err === null ? resolve(key) : reject(err)));
  });
}

const maxmem = (o: { N: number; r: number }) => 256 * o.N * o.r;

/** A new hash of `password` (random salt). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, KEY_BYTES, { ...DEFAULT, maxmem: maxmem(DEFAULT) });
  return [
    'scrypt',
    DEFAULT.N,
    DEFAULT.r,
    DEFAULT.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

/** Is `hash` in the stored form `hashPassword` writes? */
export function isPasswordHash(hash: string): boolean {
  return /^scrypt\$\d{1,8}\$\d{1,3}\$\d{1,3}\$[A-Za-z0-9_-]{16,}\$[A-Za-z0-9_-]{16,}$/.test(hash);
}

/** Does `password` match `hash`? (constant-time comparison; false for a malformed hash) */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (!isPasswordHash(hash)) return false;
  const [, n, r, p, salt, key] = hash.split('$') as [string, string, string, string, string, string];
  const o = { N: Number(n), r: Number(r), p: Number(p) };
  if (o.N > 2 ** 20 || o.r > 32 || o.p > 16) return false;
  const expected = Buffer.from(key, 'base64url');
  const got = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, {
    ...o,
    maxmem: maxmem(o) * 2,
  });
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/**
 * A short digest of a stored password hash (16 base64url characters of its SHA-256), carried in a
 * person's session cookie: a new password (a new salt, so a new hash) gives a new stamp, which ends
 * the sessions signed in with the old one.
 */
export function passwordStamp(storedHash: string): string {
  return createHash('sha256').update(storedHash, 'utf8').digest('base64url').slice(0, 16);
}
