/**
 * Encryption at rest of variable values, connection passwords and extras: AES-256-GCM from
 * `node:crypto` (an AEAD: a wrong key or a changed byte fails authentication instead of decrypting
 * to garbage), keyed by `HEATFLOW_FERNET_KEY` as Airflow's `fernet_key` is: a url-safe base64
 * 32-byte key (Airflow's `Fernet.generate_key()` output works), or several comma-separated for
 * rotation (the first encrypts, every one decrypts). docs/adr/0006-secrets-at-rest-aes-gcm.md.
 *
 * Cipher text: `hf1:` + base64url(12-byte nonce ‖ cipher text ‖ 16-byte tag).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { HeatflowError } from '../core/errors.js';

/** Prefix of every cipher text this module writes (a format version). */
export const CIPHER_PREFIX = 'hf1:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** The key setting is malformed (names the position in the comma-separated list, never the key). */
export class FernetKeyError extends HeatflowError {
  constructor(message: string) {
    super('FERNET_KEY', message);
    this.name = 'FernetKeyError';
  }
}

/** A value cannot be decrypted: no key, or none of the keys opens it. */
export class DecryptError extends HeatflowError {
  constructor(message: string) {
    super('DECRYPT', message);
    this.name = 'DecryptError';
  }
}

function decodeKey(text: string, index: number): Buffer {
  const t = text.trim();
  if (!/^[A-Za-z0-9_=+/-]+$/.test(t))
    throw new FernetKeyError(
      `HEATFLOW_FERNET_KEY: key ${index + 1} is not url-safe base64 (generate one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))")`,
    );
  const key = Buffer.from(t.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), 'base64url');
  if (key.length !== 32)
    throw new FernetKeyError(
      `HEATFLOW_FERNET_KEY: key ${index + 1} decodes to ${key.length} bytes, expected 32 (url-safe base64 of 32 random bytes)`,
    );
  return key;
}

/** A new random key, in the format of `HEATFLOW_FERNET_KEY` (url-safe base64 with padding). */
export function generateFernetKey(): string {
  return randomBytes(32).toString('base64url') + '=';
}

/**
 * Encrypts and decrypts secrets with the configured keys; without keys, stores plain text
 * (`enabled` false: callers warn loudly).
 */
export class SecretCipher {
  private readonly keys: readonly Buffer[];

  /**
   * @param keySetting - `HEATFLOW_FERNET_KEY`: empty/undefined (no encryption) or comma-separated keys
   * @throws FernetKeyError when a key is not url-safe base64 of 32 bytes
   */
  constructor(keySetting: string | undefined) {
    const parts = (keySetting ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    this.keys = parts.map((p, i) => decodeKey(p, i));
  }

  /** Whether a key is configured (values are encrypted). */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** Number of keys (rotation: more than one). */
  get keyCount(): number {
    return this.keys.length;
  }

  /**
   * Encrypts with the first key.
   * @throws DecryptError when no key is configured (check {@link enabled} first)
   */
  encrypt(plain: string): string {
    const key = this.keys[0];
    if (key === undefined) throw new DecryptError('cannot encrypt: HEATFLOW_FERNET_KEY is not set');
    const nonce = randomBytes(NONCE_BYTES);
    const c = createCipheriv('aes-256-gcm', key, nonce);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return CIPHER_PREFIX + Buffer.concat([nonce, body, c.getAuthTag()]).toString('base64url');
  }

  /**
   * Decrypts with whichever key opens the value.
   * @param what - what the value is, for the error (e.g. `variable "api_token"`)
   * @throws DecryptError naming `what` when no key is set, the value is malformed, or no key opens it
   */
  decrypt(cipherText: string, what: string): string {
    if (this.keys.length === 0)
      throw new DecryptError(`${what} is encrypted but HEATFLOW_FERNET_KEY is not set`);
    if (!cipherText.startsWith(CIPHER_PREFIX))
      throw new DecryptError(`${what} is marked encrypted but is not heatflow cipher text`);
    const raw = Buffer.from(cipherText.slice(CIPHER_PREFIX.length), 'base64url');
    if (raw.length < NONCE_BYTES + TAG_BYTES) throw new DecryptError(`${what}: cipher text is truncated`);
    const nonce = raw.subarray(0, NONCE_BYTES);
    const tag = raw.subarray(raw.length - TAG_BYTES);
    const body = raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES);
    for (const key of this.keys) {
      try {
        const d = createDecipheriv('aes-256-gcm', key, nonce);
        d.setAuthTag(tag);
        return Buffer.concat([d.update(body), d.final()]).toString('utf8');
      } catch {
        // authentication failed with this key: try the next
      }
    }
    throw new DecryptError(
      `${what} cannot be decrypted with HEATFLOW_FERNET_KEY (${this.keys.length} key${this.keys.length === 1 ? '' : 's'}): wrong key, or the key it was encrypted with was removed`,
    );
  }

  /** Whether the value opens with the first key (rotation re-encrypts the others). */
  isCurrent(cipherText: string): boolean {
    const first = this.keys[0];
    if (first === undefined) return false;
    return new SecretCipher(first.toString('base64url')).tryDecrypt(cipherText);
  }

  private tryDecrypt(cipherText: string): boolean {
    try {
      this.decrypt(cipherText, 'value');
      return true;
    } catch {
      return false;
    }
  }
}

/** The warning printed where secrets would be stored in plain text. */
export const NO_FERNET_KEY_WARNING =
  'HEATFLOW_FERNET_KEY is not set: variables and connection passwords are stored UNENCRYPTED in Postgres (generate a key with: openssl rand -base64 32 | tr "+/" "-_")';
