/**
 * The scratch database the resample benchmarks run on (bench/resample-engines.ts,
 * bench/analytics-write.ts): migrated to the latest schema, its `tado` tables holding the 2022
 * backfill (simulator seed 1: 1,296 HEATING zone-days). The data comes from the database
 * `heatflow` when it holds that backfill (pg_dump of schema `tado`, data only; `heatflow` is only
 * read), else from the tado simulator through the ETL's data path in this process
 * (bench/lib/load-simulated-year.ts, about a minute and a half on the build machine).
 *
 * With `reuse`, a scratch database left by an earlier run (`--keep`) that already holds the 1,296
 * zone-days is used as it is.
 */
import { execFile as execFileCb } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { createDb, ensureDatabase } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { startTadoSimulator } from '../../src/tado/simulator/tado-simulator.js';
import { loadSimulatedRange } from '../lib/load-simulated-year.js';

const execFile = promisify(execFileCb);

/** HEATING zone-days of the 2022 backfill (README). */
export const YEAR_ZONE_DAYS = 1296;

/** The server's URL with another database. */
export const databaseUrl = (server: string, name: string): string =>
  Object.assign(new URL(server), { pathname: `/${name}` }).toString();

async function query<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<R>(text)).rows;
  } finally {
    await c.end();
  }
}

/** HEATING zone-days in `tado.days` of a database; null when it or the table does not exist. */
async function heatingZoneDays(server: string, name: string): Promise<number | null> {
  const exists = await query<{ n: number }>(
    server,
    `SELECT count(*)::int AS n FROM pg_database WHERE datname = '${name}'`,
  );
  if (exists[0]?.n !== 1) return null;
  try {
    const r = await query<{ n: number }>(
      databaseUrl(server, name),
      "SELECT count(*)::int AS n FROM tado.days WHERE zone_type = 'HEATING'",
    );
    return r[0]?.n ?? null;
  } catch {
    return null;
  }
}

/** Where the data came from, and how long preparing took. */
export interface Prepared {
  readonly url: string;
  readonly source: 'reused' | 'heatflow' | 'simulator';
  readonly wallMs: number;
}

/**
 * Creates (or with `reuse`, finds) the scratch database `name` (see the file comment).
 *
 * @throws Error when the loaded data is not the 1,296 zone-days of 2022, or from pg_dump, psql,
 *   the migrations or the ETL
 */
export async function prepareScratch(server: string, name: string, reuse: boolean): Promise<Prepared> {
  const t0 = performance.now();
  const url = databaseUrl(server, name);
  const elapsed = (): number => Math.round(performance.now() - t0);
  if (reuse && (await heatingZoneDays(server, name)) === YEAR_ZONE_DAYS)
    return { url, source: 'reused', wallMs: elapsed() };
  await query(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await ensureDatabase(url);
  const db = createDb(url);
  await migrateToLatest(db as Kysely<unknown>);
  await db.destroy();
  let source: Prepared['source'];
  if ((await heatingZoneDays(server, 'heatflow')) === YEAR_ZONE_DAYS) {
    await execFile('bash', [
      '-o',
      'pipefail',
      '-c',
      `pg_dump --dbname='${databaseUrl(server, 'heatflow')}' --schema=tado --data-only | psql -q -v ON_ERROR_STOP=1 --dbname='${url}'`,
    ]);
    source = 'heatflow';
  } else {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'hf-bench-source-'));
    const sim = await startTadoSimulator({ seed: 1 });
    try {
      const tokenFile = path.join(tmp, 'tado-token.json');
      await writeFile(tokenFile, JSON.stringify({ refresh_token: sim.issueRefreshToken() }), { mode: 0o600 });
      const loaded = await loadSimulatedRange(
        url,
        {
          TADO_API_URL: sim.apiUrl,
          TADO_AUTH_URL: sim.authUrl,
          TADO_TOKEN_FILE: tokenFile,
          TADO_REQUEST_DELAY_MS: '0',
          TADO_REQUEST_JITTER_MS: '0',
        },
        '2022-01-01',
        '2022-12-31',
      );
      if (loaded.reportsFailed.length > 0)
        throw new Error(`simulated 2022: reports failed: ${loaded.reportsFailed.slice(0, 3).join('; ')}`);
    } finally {
      await sim.close();
      await rm(tmp, { recursive: true, force: true });
    }
    source = 'simulator';
  }
  await query(url, 'ANALYZE');
  const n = await heatingZoneDays(server, name);
  if (n !== YEAR_ZONE_DAYS)
    throw new Error(`${name}: tado.days has ${n} HEATING zone-days, expected ${YEAR_ZONE_DAYS} (2022)`);
  return { url, source, wallMs: elapsed() };
}

/** Drops the scratch database. */
export async function dropScratch(server: string, name: string): Promise<void> {
  await query(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
