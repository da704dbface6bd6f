import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { displayValue, isSecretVariable, maskUrlPassword } from '../../src/config/mask-secret.js';
import { ConfigError } from '../../src/core/errors.js';

/** The message of the ConfigError `fn` throws (fails the test when it throws none). */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration errors never echo a secret', () => {
  it('a malformed HEATFLOW_FERNET_KEY fails at start, naming which key and why, never the key', () => {
    const good = 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
    const e = configErrorOf(() => loadConfig({ HEATFLOW_FERNET_KEY: `${good},garbage` }));
    expect(e.variables).toEqual(['HEATFLOW_FERNET_KEY']);
    expect(e.message).toContain('key 2 decodes to 5 bytes, expected 32');
    expect(e.message).not.toContain('garbage');
    expect(e.message).not.toContain(good);
    expect(loadConfig({ HEATFLOW_FERNET_KEY: good }).HEATFLOW_FERNET_KEY).toBe(good);
    expect(loadConfig({ HEATFLOW_FERNET_KEY: '' }).HEATFLOW_FERNET_KEY).toBeUndefined();
  });

  it('an invalid DATABASE_URL is shown with its password masked, the rest kept', () => {
    const e = configErrorOf(() => loadConfig({ DATABASE_URL: 'mysql://app:S3cr3t-pw@db.example:5432/hf' }));
    expect(e.variables).toEqual(['DATABASE_URL']);
    expect(e.message).not.toContain('S3cr3t-pw');
    expect(e.message).toContain('DATABASE_URL="mysql://app:***@db.example:5432/hf"');
  });

  it('an unparsable REDIS_URL whose password holds "@", "/" and spaces is masked whole', () => {
    const e = configErrorOf(() => loadConfig({ REDIS_URL: 'redis://:p@ss /w0rd x@cache:6379 9' }));
    expect(e.variables).toEqual(['REDIS_URL']);
    for (const piece of ['p@ss', '/w0rd', 'w0rd x']) expect(e.message).not.toContain(piece);
    expect(e.message).toContain('REDIS_URL="redis://:***@cache:6379 9"');
  });

  it('a too-short HEATFLOW_WEB_TOKEN is named with its length, not its value', () => {
    const e = configErrorOf(() => loadConfig({ HEATFLOW_WEB_TOKEN: 'hunter2' }));
    expect(e.variables).toEqual(['HEATFLOW_WEB_TOKEN']);
    expect(e.message).not.toContain('hunter2');
    expect(e.message).toMatch(/HEATFLOW_WEB_TOKEN=\(hidden, 7 characters\): at least 8 characters/);
  });

  it('values without secrets are still shown as read', () => {
    const e = configErrorOf(() =>
      loadConfig({ DATABASE_URL: 'mysql://postgres@h/db', HEATFLOW_EXECUTOR: 'k8s' }),
    );
    expect(e.message).toContain('DATABASE_URL="mysql://postgres@h/db"');
    expect(e.message).toContain('HEATFLOW_EXECUTOR="k8s"');
  });
});

describe('mask-secret', () => {
  it('recognises secret variables by name only', () => {
    expect(isSecretVariable('HEATFLOW_WEB_TOKEN')).toBe(true);
    expect(isSecretVariable('TADO_PASSWORD')).toBe(true);
    expect(isSecretVariable('SOME_API_KEY')).toBe(true);
    expect(isSecretVariable('TADO_TOKEN_FILE')).toBe(false);
    expect(isSecretVariable('DATABASE_URL')).toBe(false);
  });

  it('masks URL passwords and keeps user names and hosts', () => {
    expect(maskUrlPassword('postgres://u:pw@h:5432/db')).toBe('postgres://u:***@h:5432/db');
    expect(maskUrlPassword('rediss://:pw@h')).toBe('rediss://:***@h');
    // libpq also takes the password as a query parameter
    expect(maskUrlPassword('postgres://postgres@h/db?password=qpw&sslmode=require')).toBe(
      'postgres://postgres@h/db?password=***&sslmode=require',
    );
    expect(maskUrlPassword('postgres://h/db?sslmode=require&PassWord=x&sslpassword=y')).toBe(
      'postgres://h/db?sslmode=require&PassWord=***&sslpassword=***',
    );
    expect(maskUrlPassword('postgres://postgres@127.0.0.1/x')).toBe('postgres://postgres@127.0.0.1/x');
    expect(maskUrlPassword('no url here')).toBe('no url here');
    expect(displayValue('X_SECRET', 'abc')).toBe('(hidden, 3 characters)');
    expect(displayValue('DATABASE_URL', 'postgres://a:b@c/d')).toBe('"postgres://a:***@c/d"');
  });
});
