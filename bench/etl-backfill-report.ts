/**
 * Reads a finished tado_etl backfill (DATABASE_URL, HEATFLOW_REDIS_PREFIX) and prints: wall time
 * from the first task start to the last task end, the share of task time per task, the danfojs
 * import time (transform's XCom `danfoImportMs`, 0 when the try started from transform's snapshot,
 * which imported danfojs at build time: `danfoSource`) and transform's start-up (`startupMs`), and
 * load throughput (rows per second of load's work, from its XCom). Used by bench/etl-backfill.sh.
 */
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { loadConfig } from '../src/config/config.js';
import { createDb } from '../src/db/connection.js';
import { XComStore } from '../src/xcom/xcom-store.js';

const config = loadConfig();
const db = createDb(config.DATABASE_URL);
const redis = new Redis(config.REDIS_URL);
const xcom = new XComStore(redis, { prefix: config.HEATFLOW_REDIS_PREFIX });
try {
  const span = await sql<{ first: Date; last: Date; runs: number }>`
    SELECT min(start_date) AS first, max(end_date) AS last, count(DISTINCT run_id)::int AS runs
    FROM heatflow.task_instances WHERE dag_id = 'tado_etl'`.execute(db);
  const s = span.rows[0];
  const wallS = s === undefined ? NaN : (s.last.getTime() - s.first.getTime()) / 1000;
  const per = await sql<{ task_id: string; total_ms: number; mean_ms: number; tries: number }>`
    SELECT task_id, sum(duration_ms)::int AS total_ms, avg(duration_ms)::int AS mean_ms, count(*)::int AS tries
    FROM heatflow.task_tries WHERE dag_id = 'tado_etl' GROUP BY task_id ORDER BY task_id`.execute(db);
  const total = per.rows.reduce((a, r) => a + r.total_ms, 0);
  console.log(`runs: ${s?.runs ?? 0}; first task start -> last task end: ${wallS.toFixed(1)} s`);
  for (const r of per.rows) {
    console.log(
      `  ${r.task_id.padEnd(10)} ${(r.total_ms / 1000).toFixed(1).padStart(7)} s task time (${((100 * r.total_ms) / total).toFixed(0)} %), mean ${r.mean_ms} ms over ${r.tries} tries`,
    );
  }
  const runs = await db
    .selectFrom('heatflow.dag_runs')
    .select('run_id')
    .where('dag_id', '=', 'tado_etl')
    .execute();
  let danfoMs = 0;
  let transforms = 0;
  let fromSnapshot = 0;
  let startupMs = 0;
  let loadRows = 0;
  let loadMs = 0;
  for (const { run_id } of runs) {
    const t = (await xcom.pull({ dagId: 'tado_etl', runId: run_id, taskId: 'transform' })) as
      { danfoImportMs?: number; danfoSource?: string; startupMs?: number } | undefined;
    if (typeof t?.danfoImportMs === 'number') {
      danfoMs += t.danfoImportMs;
      transforms++;
      if (t.danfoSource === 'snapshot') fromSnapshot++;
      startupMs += t.startupMs ?? 0;
    }
    const l = (await xcom.pull({ dagId: 'tado_etl', runId: run_id, taskId: 'load' })) as
      { totalRows?: number; loadMs?: number } | undefined;
    if (typeof l?.totalRows === 'number' && typeof l.loadMs === 'number') {
      loadRows += l.totalRows;
      loadMs += l.loadMs;
    }
  }
  console.log(
    `danfojs import: ${(danfoMs / 1000).toFixed(1)} s in ${transforms} transforms (mean ${Math.round(danfoMs / Math.max(1, transforms))} ms), ${((100 * danfoMs) / total).toFixed(0)} % of all task time; ${fromSnapshot} of them started from transform's snapshot (danfojs imported at build time); transform start-up mean ${Math.round(startupMs / Math.max(1, transforms))} ms`,
  );
  console.log(
    `load: ${loadRows} rows written in ${(loadMs / 1000).toFixed(1)} s of load work = ${Math.round(loadRows / Math.max(0.001, loadMs / 1000))} rows/s`,
  );
} finally {
  await db.destroy();
  redis.disconnect();
}
