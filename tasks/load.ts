/**
 * tado_etl › load: upserts transform's tables into schema `tado` in ONE transaction, keyed on
 * natural keys (`src/db/warehouse.ts`), so loading the same day twice, or two overlapping days,
 * stores each measurement once. Reads `DATABASE_URL` (default
 * `postgres://postgres@127.0.0.1:5432/heatflow`); the schema must be migrated.
 *
 * Returns {@link LoadResult}: rows written per table, and the throughput.
 */
import { etlTaskSignal } from '../src/etl/etl-task-signal.js';
import { loadFlagsSummary } from '../src/etl/load-flags-summary.js';
import { readTaskJson } from '../src/etl/task-json-file.js';
import { transformResultSchema, type LoadResult } from '../src/etl/task-results.js';
import type { DayFileRow, WarehouseBatch } from '../src/etl/warehouse-rows.js';
import { runTask, type TaskRuntimeContext } from '../src/task-sdk/index.js';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/heatflow';

// Query building (kysely, no I/O) is loaded into the program's startup snapshot; the Postgres
// client (pg) loads when the task runs.
void runTask(
  (ctx) =>
    load(ctx).catch((err: unknown) => {
      throw etlTaskSignal(err);
    }),
  { preload: () => import('kysely') },
);

async function load(ctx: TaskRuntimeContext): Promise<LoadResult> {
  const transform = ctx.xcom('transform', transformResultSchema);
  // transform's tables (all zones of the day) and extract's raw reports (one zone each)
  const table = async <T>(file: string, name: string): Promise<T> =>
    (await readTaskJson(ctx.runPath(file), {
      file,
      subject: `table ${name}, all zones`,
      date: ctx.ds,
      writtenBy: 'transform',
    })) as T;
  const f = transform.files;
  const days = await table<DayFileRow[]>(f.days, 'days');
  const batch: WarehouseBatch = {
    zones: await table(f.zones, 'zones'),
    days: await Promise.all(
      days.map(async ({ reportFile, ...d }) => ({
        ...d,
        report: await readTaskJson(ctx.runPath(reportFile), {
          file: reportFile,
          subject: `zone ${d.zoneId}`,
          date: d.date,
          writtenBy: 'extract',
        }),
      })),
    ),
    interior: await table(f.interior, 'interior'),
    weather: await table(f.weather, 'weather'),
    callForHeat: await table(f.callForHeat, 'callForHeat'),
    settings: await table(f.settings, 'settings'),
    deviceConnected: await table(f.deviceConnected, 'deviceConnected'),
    // absent in the XComs of runs transformed before AC zones were loaded
    acActivity: f.acActivity === undefined ? [] : await table(f.acActivity, 'acActivity'),
  };
  // Imported when the task runs: the Postgres client (pg: sockets, and defaults read from the
  // environment when it loads) must not be evaluated into the program's startup snapshot.
  const { openWarehouse } = await import('../src/db/warehouse.js');
  const { warehouse, close } = openWarehouse(
    ctx.env.DATABASE_URL || DEFAULT_DATABASE_URL,
    'heatflow-task-load',
  );
  try {
    const start = performance.now();
    const { upserted, deleted } = await warehouse.load(batch);
    const loadMs = Math.round(performance.now() - start);
    const totalRows = (Object.values(upserted) as number[]).reduce((a, b) => a + b, 0);
    const rowsPerSecond = loadMs > 0 ? Math.round((totalRows / loadMs) * 1000) : totalRows;
    const flags = loadFlagsSummary(batch);
    if (flags.placeholderZoneDays > 0)
      ctx.log.warn(
        { placeholderZoneDays: flags.placeholderZoneDays, days: flags.placeholderDays },
        `${flags.placeholderZoneDays} zone-day(s) are tado's placeholder history: stored as days (tado.days.placeholder), no measurement`,
      );
    ctx.log.info({ upserted, deleted, loadMs, rowsPerSecond, ...flags }, 'load done');
    return { upserted, deleted, totalRows, loadMs, rowsPerSecond, ...flags };
  } finally {
    await close();
  }
}
