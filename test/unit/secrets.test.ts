/**
 * Connection URIs as Airflow parses them, the cipher's round trip, wrong key and rotation, and the
 * masker (text, JSON, secrets split across chunks of a stream).
 */
import { describe, expect, it } from 'vitest';
import { connToUri, connUriMasked, parseConnUri } from '../../src/connections/conn-uri.js';
import { MaskingStream } from '../../src/secrets/masking-stream.js';
import {
  DecryptError,
  FernetKeyError,
  SecretCipher,
  generateFernetKey,
} from '../../src/secrets/secret-cipher.js';
import { SecretMasker } from '../../src/secrets/secret-masker.js';
import { isSensitiveName } from '../../src/secrets/sensitive.js';

describe('parseConnUri (Airflow syntax)', () => {
  it('reads every part, percent-decoded, and the query as extra', () => {
    expect(
      parseConnUri('postgresql://us%40er:p%2Fa%3Ass@db.example:5433/my%2Fdb?sslmode=require&x='),
    ).toEqual({
      connType: 'postgres',
      login: 'us@er',
      password: 'p/a:ss',
      host: 'db.example',
      port: 5433,
      schema: 'my/db',
      extra: { sslmode: 'require', x: '' },
    });
  });
  it('reads __extra__ as JSON, a dash in the scheme as _, and a bare host', () => {
    const c = parseConnUri('google-cloud://host?__extra__=%7B%22a%22%3A%7B%22b%22%3A1%7D%7D');
    expect(c).toMatchObject({
      connType: 'google_cloud',
      host: 'host',
      login: null,
      password: null,
      port: null,
    });
    expect(c.extra).toEqual({ a: { b: 1 } });
  });
  it('round-trips through connToUri, and masks the password for display', () => {
    const c = parseConnUri('tado://me:s%23cret@127.0.0.1:8080/api%2Fv2?home_id=7');
    expect(parseConnUri(connToUri(c))).toEqual(c);
    expect(connUriMasked(c)).toBe('tado://me:***@127.0.0.1:8080/api%2Fv2?home_id=7');
  });
  it('rejects a missing scheme and a bad port without echoing the password', () => {
    expect(() => parseConnUri('no-scheme')).toThrow(/scheme/);
    let msg = '';
    try {
      parseConnUri('http://u:qz7/wk@host');
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).toMatch(/port/);
    expect(msg).not.toContain('qz7');
  });
});

describe('SecretCipher', () => {
  it('encrypts (never the plain text) and decrypts', () => {
    const c = new SecretCipher(generateFernetKey());
    const ct = c.encrypt('hunter2-secret');
    expect(ct).not.toContain('hunter2');
    expect(ct).not.toBe(c.encrypt('hunter2-secret')); // random nonce
    expect(c.decrypt(ct, 'variable "x"')).toBe('hunter2-secret');
  });
  it('a wrong key is an error naming what failed', () => {
    const ct = new SecretCipher(generateFernetKey()).encrypt('v');
    expect(() => new SecretCipher(generateFernetKey()).decrypt(ct, 'variable "api_token"')).toThrow(
      DecryptError,
    );
    expect(() => new SecretCipher(generateFernetKey()).decrypt(ct, 'variable "api_token"')).toThrow(
      /variable "api_token"/,
    );
    expect(() => new SecretCipher(undefined).decrypt(ct, 'connection "tado" (password)')).toThrow(
      /connection "tado" \(password\).*HEATFLOW_FERNET_KEY is not set/,
    );
  });
  it('rotation: the first key encrypts, every key decrypts', () => {
    const oldKey = generateFernetKey();
    const newKey = generateFernetKey();
    const ct = new SecretCipher(oldKey).encrypt('v');
    const both = new SecretCipher(`${newKey},${oldKey}`);
    expect(both.decrypt(ct, 'x')).toBe('v');
    expect(both.isCurrent(ct)).toBe(false);
    expect(both.isCurrent(both.encrypt('v'))).toBe(true);
  });
  it('refuses a malformed key naming its position, not its value', () => {
    expect(() => new SecretCipher(`${generateFernetKey()},short`)).toThrow(FernetKeyError);
    expect(() => new SecretCipher(`${generateFernetKey()},short`)).toThrow(/key 2/);
  });
});

describe('masking', () => {
  it("Airflow's sensitive words", () => {
    expect(isSensitiveName('tado_API_KEY')).toBe(true);
    expect(isSensitiveName('db_password')).toBe(true);
    expect(isSensitiveName('home_id')).toBe(false);
  });
  it('masks registered secrets in text and JSON (by value and by field name)', () => {
    const m = new SecretMasker().add('s3cr3t"x').add('ab');
    expect(m.mask('a s3cr3t"x b')).toBe('a *** b');
    expect(m.mask(JSON.stringify({ v: 's3cr3t"x' }))).toBe('{"v":"***"}');
    expect(m.mask('ab stays (too short to mask)')).toBe('ab stays (too short to mask)');
    expect(m.maskJson({ a: ['s3cr3t"x'], password: 'other', n: 1 })).toEqual({
      a: ['***'],
      password: '***',
      n: 1,
    });
  });
  it('finds a secret split across two chunks of a stream', async () => {
    const s = new MaskingStream(new SecretMasker().add('topsecret'));
    const out: string[] = [];
    s.on('data', (c: Buffer) => out.push(c.toString()));
    const done = new Promise((r) => s.on('end', r));
    s.write('line one top');
    s.write('secret here\nnext');
    s.end();
    await done;
    expect(out.join('')).toBe('line one *** here\nnext');
  });
});
