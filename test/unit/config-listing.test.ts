/**
 * The settings `config list` and `/api/v1/config` show (pure): every section, values in effect,
 * where each came from (a computed default is `derived` and names its inputs), secrets masked.
 */
import { describe, expect, it } from 'vitest';
import { listSettings, sourceText, toConfigSections } from '../../src/config/config-listing.js';
import { loadConfig } from '../../src/config/config.js';
import { loadTadoConfig } from '../../src/tado/tado-config.js';

const list = (env: NodeJS.ProcessEnv) =>
  listSettings(loadConfig(env, '/srv'), env, loadTadoConfig(env, '/srv'));
const find = (entries: ReturnType<typeof list>, key: string) => entries.find((e) => e.key === key);

describe('listSettings', () => {
  it('lists the orchestrator, tado client and DAG-file settings, each once, by section', () => {
    const entries = list({});
    const sections = new Set(entries.map((e) => e.section));
    expect([...sections]).toEqual(
      expect.arrayContaining(['database', 'core', 'tado', 'tado_etl', 'heating_analytics']),
    );
    expect(new Set(entries.map((e) => e.key)).size).toBe(entries.length);
    expect(find(entries, 'TADO_REQUEST_DELAY_MS')).toEqual({
      section: 'tado',
      key: 'TADO_REQUEST_DELAY_MS',
      value: '1000',
      source: 'default',
    });
    expect(find(entries, 'TADO_ETL_END_DATE')).toMatchObject({ value: '', source: 'default' });
    expect(find(entries, 'HEATING_ANALYTICS_TIMEZONE')).toMatchObject({
      value: 'Europe/London',
      source: 'default',
    });
  });

  it('shows the deployment id in effect, derived from the database name and Redis prefix unless set', () => {
    const env = { DATABASE_URL: 'postgres://u:pw@db:5432/prod', HEATFLOW_REDIS_PREFIX: 'hf1' };
    const derived = find(list(env), 'HEATFLOW_DEPLOYMENT_ID');
    expect(derived).toMatchObject({ value: 'prod.hf1', source: 'derived' });
    expect(derived === undefined ? '' : sourceText(derived)).toBe(
      'derived (DATABASE_URL, HEATFLOW_REDIS_PREFIX)',
    );
    expect(find(list({ ...env, HEATFLOW_DEPLOYMENT_ID: 'x' }), 'HEATFLOW_DEPLOYMENT_ID')).toEqual({
      section: 'core',
      key: 'HEATFLOW_DEPLOYMENT_ID',
      value: 'x',
      source: 'env',
    });
    const api = toConfigSections(list(env)).sections.find((s) => s.name === 'core');
    expect(api?.options.find((o) => o.key === 'HEATFLOW_DEPLOYMENT_ID')?.derived_from).toEqual([
      'DATABASE_URL',
      'HEATFLOW_REDIS_PREFIX',
    ]);
  });

  it("says which TADO_* settings the tado connection gives, and heating_analytics' zone source", () => {
    const entries = list({
      TADO_HOME_ID: '3',
      TADO_RETRIES: '6',
      TADO_ETL_TIMEZONE: 'Europe/Paris',
      HEATFLOW_CONN_TADO: 'tado://sim:8080/api/v2?protocol=http&home_id=9',
    });
    expect(find(entries, 'TADO_HOME_ID')).toMatchObject({
      value: '9',
      source: 'derived',
      derivedFrom: ['HEATFLOW_CONN_TADO'],
    });
    expect(find(entries, 'TADO_API_URL')?.value).toBe('http://sim:8080/api/v2');
    expect(find(entries, 'TADO_RETRIES')).toMatchObject({ value: '6', source: 'env' });
    expect(find(entries, 'TADO_ETL_TIMEZONE')).toMatchObject({ value: 'Europe/Paris', source: 'env' });
    expect(find(entries, 'HEATING_ANALYTICS_TIMEZONE')).toMatchObject({
      value: 'Europe/Paris',
      source: 'derived',
      derivedFrom: ['TADO_ETL_TIMEZONE'],
    });
  });

  it('masks secrets: tokens, keys and connection-string passwords', () => {
    const entries = list({
      DATABASE_URL: 'postgres://u:Secret-pw-1@db/x',
      HEATFLOW_WEB_TOKEN: 'token-secret-2',
      HEATFLOW_FERNET_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
    });
    const text = JSON.stringify(entries);
    expect(text).not.toContain('Secret-pw-1');
    expect(text).not.toContain('token-secret-2');
    expect(text).not.toContain('MDEyMzQ1');
    expect(find(entries, 'HEATFLOW_WEB_TOKEN')?.value).toBe('***');
  });
});
