import { describe, expect, it } from 'vitest';
import { databaseUsesTls, tadoUsesTls } from '../../src/config/tls-usage.js';

describe('tadoUsesTls', () => {
  it('is false only when both the API and the login URL are plain http (the simulator)', () => {
    expect(
      tadoUsesTls({
        TADO_API_URL: 'http://127.0.0.1:4000/api/v2',
        TADO_AUTH_URL: 'http://127.0.0.1:4000/oauth2',
      }),
    ).toBe(false);
    expect(tadoUsesTls({ TADO_API_URL: 'http://127.0.0.1:4000/api/v2' })).toBe(true); // login: the https default
    expect(tadoUsesTls({})).toBe(true);
    expect(
      tadoUsesTls({ TADO_API_URL: 'https://my.tado.com/api/v2', TADO_AUTH_URL: 'http://x/oauth2' }),
    ).toBe(true);
  });
});

describe('databaseUsesTls', () => {
  it('follows the URL sslmode and ssl parameters as node-postgres does', () => {
    expect(databaseUsesTls('postgres://postgres@127.0.0.1:5432/heatflow', {})).toBe(false);
    expect(databaseUsesTls('postgres://u@db/x?sslmode=require', {})).toBe(true);
    expect(databaseUsesTls('postgres://u@db/x?sslmode=disable', { PGSSLMODE: 'require' })).toBe(false);
    expect(databaseUsesTls('postgres://u@db/x?ssl=true', {})).toBe(true);
    expect(databaseUsesTls('postgres://u@db/x?sslrootcert=/ca.pem', {})).toBe(true);
  });

  it('falls back to PGSSLMODE without URL parameters, and counts an unreadable URL as TLS', () => {
    expect(databaseUsesTls('postgres://u@db/x', { PGSSLMODE: 'verify-full' })).toBe(true);
    expect(databaseUsesTls('postgres://u@db/x', { PGSSLMODE: 'disable' })).toBe(false);
    expect(databaseUsesTls(undefined, {})).toBe(false);
    expect(databaseUsesTls('', { PGSSLMODE: 'prefer' })).toBe(true);
    expect(databaseUsesTls('not a url', {})).toBe(true);
  });
});
