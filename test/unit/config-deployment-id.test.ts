import { describe, expect, it } from 'vitest';
import { deploymentIdOf, loadConfig } from '../../src/config/config.js';

describe('deployment id (label of task containers)', () => {
  it('defaults to <database name>.<Redis prefix>', () => {
    expect(deploymentIdOf(loadConfig({}))).toBe('heatflow.heatflow');
    expect(
      deploymentIdOf(
        loadConfig({
          DATABASE_URL: 'postgres://u:secret@db.lan:5433/etl_prod?sslmode=require',
          HEATFLOW_REDIS_PREFIX: 'hf2',
        }),
      ),
    ).toBe('etl_prod.hf2');
  });

  it('is HEATFLOW_DEPLOYMENT_ID when set, which must be a label-safe name', () => {
    expect(deploymentIdOf(loadConfig({ HEATFLOW_DEPLOYMENT_ID: 'stack-b' }))).toBe('stack-b');
    expect(() => loadConfig({ HEATFLOW_DEPLOYMENT_ID: 'two words' })).toThrow(/HEATFLOW_DEPLOYMENT_ID/);
  });
});
