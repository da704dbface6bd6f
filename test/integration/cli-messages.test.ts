/**
 * What the command says when it is asked for something that is not there, run as users run it (a
 * child process) on the shipped DAG folder with real Postgres and Redis: a database not migrated,
 * a heating report of a year, zone or home with no data, an unknown asset; and the `dags list`
 * table.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDatabase } from '../../src/db/connection.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';
import { runCli } from '../helpers/run-cli.js';

let h: TestOrchestrator;
const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { ...h.env, ...env });

beforeAll(async () => {
  h = await createTestOrchestrator('climsg', {
    dagsDir: path.resolve('dags'),
    env: { TADO_ETL_TASK_SNAPSHOTS: 'false' },
  });
}, 120_000);
afterAll(async () => h.cleanup());

describe('a database that is not migrated', () => {
  it('commands say to run heatflow db migrate', async () => {
    const name = `hf_test_unmigrated_${randomBytes(4).toString('hex')}`;
    const url = new URL(h.database.url);
    url.pathname = `/${name}`;
    await ensureDatabase(url.toString());
    try {
      for (const cmd of [
        ['dags', 'list'],
        ['dags', 'trigger', 'tado_etl'],
        ['assets', 'list'],
        ['heating', 'report'],
      ]) {
        const r = await run(cmd, { DATABASE_URL: url.toString() });
        expect(r.code, cmd.join(' ')).toBe(1);
        expect(r.err, cmd.join(' ')).toContain('run `heatflow db migrate`');
        expect(r.err.trim().split('\n'), cmd.join(' ')).toHaveLength(1);
      }
      url.pathname = `/${name}_missing`;
      const missing = await run(['dags', 'list'], { DATABASE_URL: url.toString() });
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(
        /database "hf_test_unmigrated_\w+_missing" does not exist; run `heatflow db migrate`/,
      );
    } finally {
      const admin = new pg.Client({ connectionString: h.database.url });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await admin.end();
    }
  });
});
