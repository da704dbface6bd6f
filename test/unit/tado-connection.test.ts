/** The tado settings a `tado` connection gives (src/tado/tado-connection.ts) over TADO_* (tado-config.ts). */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { etlTaskSignal } from '../../src/etl/etl-task-signal.js';
import { FailTask } from '../../src/task-sdk/index.js';
import { loadTadoConfig } from '../../src/tado/tado-config.js';
import { checkTadoConnection } from '../../src/tado/tado-connection-check.js';
import { tadoSettingsFromConnection } from '../../src/tado/tado-connection.js';

describe('tadoSettingsFromConnection', () => {
  it('maps host, port and path to TADO_API_URL (https unless extra protocol=http) and extras to TADO_*', () => {
    expect(tadoSettingsFromConnection('tado://my.tado.com?home_id=123&token_file=%2Fdata%2Ft.json')).toEqual({
      TADO_API_URL: 'https://my.tado.com/api/v2',
      TADO_HOME_ID: '123',
      TADO_TOKEN_FILE: '/data/t.json',
    });
    expect(tadoSettingsFromConnection('tado://127.0.0.1:8081/api%2Fv2?protocol=http')).toEqual({
      TADO_API_URL: 'http://127.0.0.1:8081/api/v2',
    });
    expect(tadoSettingsFromConnection('tado:///?api_url=http%3A%2F%2Fsim%2Fapi%2Fv2&retries=0')).toEqual({
      TADO_API_URL: 'http://sim/api/v2',
      TADO_RETRIES: '0',
    });
  });

  it('refuses, naming HEATFLOW_CONN_TADO and the part: another type, a password, an unknown extra, a bad protocol', () => {
    expect(() => tadoSettingsFromConnection('postgres://h/db')).toThrow(
      'HEATFLOW_CONN_TADO (the "tado" connection): conn_type must be tado, got "postgres"',
    );
    expect(() => tadoSettingsFromConnection('tado://me:secret@my.tado.com')).toThrow(/device flow/);
    expect(() => tadoSettingsFromConnection('tado://my.tado.com?home=1')).toThrow(
      /unknown extra "home" \(known: protocol, api_url/,
    );
    expect(() => tadoSettingsFromConnection('tado://my.tado.com?protocol=ftp')).toThrow(
      /protocol must be http or https, got "ftp"/,
    );
    expect(() => tadoSettingsFromConnection('not a uri')).toThrow(
      /HEATFLOW_CONN_TADO .*must start with a scheme/,
    );
  });
});

describe('loadTadoConfig with HEATFLOW_CONN_TADO', () => {
  it("lays the connection's settings over the TADO_* variables; empty means none", () => {
    const env = { TADO_API_URL: 'http://env/api/v2', TADO_HOME_ID: '5', TADO_RETRIES: '7' };
    const c = loadTadoConfig(
      { ...env, HEATFLOW_CONN_TADO: 'tado://conn.example:8443/api%2Fv2?home_id=9' },
      '/',
    );
    expect([c.TADO_API_URL, c.TADO_HOME_ID, c.TADO_RETRIES]).toEqual([
      'https://conn.example:8443/api/v2',
      9,
      7,
    ]);
    const plain = loadTadoConfig({ ...env, HEATFLOW_CONN_TADO: '' }, '/');
    expect([plain.TADO_API_URL, plain.TADO_HOME_ID]).toEqual(['http://env/api/v2', 5]);
  });

  it('a bad value from the connection is named as the TADO_* setting it sets', () => {
    expect(() => loadTadoConfig({ HEATFLOW_CONN_TADO: 'tado://x?home_id=abc' }, '/')).toThrow(/TADO_HOME_ID/);
  });
});

describe('a bad tado setting fails extract without retries', () => {
  it('etlTaskSignal turns a ConfigError into FailTask (exit 98), naming the setting', () => {
    let err: unknown;
    try {
      loadTadoConfig({ HEATFLOW_CONN_TADO: 'tado://me:pw@my.tado.com' }, '/');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const signal = etlTaskSignal(err);
    expect(signal).toBeInstanceOf(FailTask);
    expect((signal as FailTask).message).toMatch(
      /^HEATFLOW_CONN_TADO \(the "tado" connection\): .*\[not retried: CONFIG_INVALID, fix the setting\]$/,
    );
  });
});

describe('checkTadoConnection (when a tado connection is stored)', () => {
  it('names the connection part at fault, not the TADO_* variable', () => {
    const why = (uri: string) => {
      try {
        checkTadoConnection(uri);
        return 'accepted';
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
    };
    expect(why('tado://127.0.0.1:8081/api%2Fv2?protocol=http&home_id=7')).toBe('accepted');
    expect(why('tado://u:hunter2@my.tado.com/api%2Fv2')).toMatch(/not a login and password/);
    expect(why('tado://u:hunter2@my.tado.com/api%2Fv2')).not.toContain('hunter2');
    expect(why('tado://my.tado.com/api%2Fv2?home_id=abc')).toMatch(/^extra "home_id"="abc": /);
    expect(why('tado://my.tado.com/api%2Fv2?rate_reserve=-5')).toMatch(/^extra "rate_reserve"="-5": /);
    expect(why('tado://my.tado.com/api%2Fv2?bogus=1')).toMatch(/unknown extra "bogus"/);
    expect(why('tado://my.tado.com/api%2Fv2?home_id=abc')).not.toContain('TADO_');
  });
});
