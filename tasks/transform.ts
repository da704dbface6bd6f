/**
 * tado_etl › transform: flattens each validated day report into the rows of the `tado` tables
 * (`src/etl/flatten-day-report.ts`; temperature and humidity joined with danfojs-node, the
 * project card's stand-in for pandas) and writes one JSON file per table under
 * `<run dir>/transform/`. Interval rows are clipped to the report's local day (docs/pipeline.md).
 * Times the danfojs import and the work separately (log line and return value). Started from its
 * startup snapshot (docs/task-programs.md), it finds danfojs imported when the snapshot was built.
 *
 * Returns {@link TransformResult}.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { etlTaskSignal } from '../src/etl/etl-task-signal.js';
import { flattenDayReport, zoneRow } from '../src/etl/flatten-day-report.js';
import { danfoInteriorJoin, loadDanfo } from '../src/etl/join-interior.js';
import { dayWindowFromJson } from '../src/etl/local-day-window.js';
import { readTaskJson } from '../src/etl/task-json-file.js';
import { TRANSFORM_DIR, validateResultSchema, type TransformResult } from '../src/etl/task-results.js';
import type { DayFileRow } from '../src/etl/warehouse-rows.js';
import { runTask, type TaskRuntimeContext } from '../src/task-sdk/index.js';
import { dayReportSchema, parseWithPath, zonesSchema } from '../src/tado/schemas.js';

void runTask(
  (ctx) =>
    transform(ctx).catch((err: unknown) => {
      throw etlTaskSignal(err);
    }),
  { preload: loadDanfo },
);

async function transform(ctx: TaskRuntimeContext): Promise<TransformResult> {
  // validate passes on extract's home, day and zone list, so transform needs only its direct upstream
  const validated = ctx.xcom('validate', validateResultSchema);
  const extract = validated;
  // extract's window of the day, passed on by validate (computed by flattenDayReport when absent)
  const window = validated.window === undefined ? undefined : dayWindowFromJson(validated.window);

  // ms since the process started (performance.timeOrigin): Node.js start-up and module loading
  const startupMs = Math.round(performance.now());
  const danfo = await loadDanfo();
  const dfd = danfo.dfd;
  const danfoImportMs = Math.round(danfo.importMs);

  const workStart = performance.now();
  const join = danfoInteriorJoin(dfd);
  const readJson = (file: string, subject: string): Promise<unknown> =>
    readTaskJson(ctx.runPath(file), { file, subject, date: extract.date, writtenBy: 'extract' });
  const zones = parseWithPath(
    zonesSchema,
    await readJson(extract.zonesFile, 'zone list'),
    extract.zonesFile,
  ).map((z) => zoneRow(extract.homeId, z));
  const tables = {
    zones,
    days: [] as DayFileRow[],
    interior: [] as unknown[],
    weather: [] as unknown[],
    callForHeat: [] as unknown[],
    settings: [] as unknown[],
    deviceConnected: [] as unknown[],
    acActivity: [] as unknown[],
  };
  for (const r of validated.reports) {
    const report = parseWithPath(
      dayReportSchema,
      await readJson(r.file, `zone ${r.zoneId}`),
      `${r.file} (zone ${r.zoneId})`,
    );
    const rows = flattenDayReport(
      report,
      {
        homeId: extract.homeId,
        zoneId: r.zoneId,
        date: extract.date,
        timeZone: extract.timeZone,
        ...(window === undefined ? {} : { window }),
      },
      join,
    );
    tables.days.push({ ...rows.day, reportFile: r.file });
    tables.interior.push(...rows.interior);
    tables.weather.push(...rows.weather);
    tables.callForHeat.push(...rows.callForHeat);
    tables.settings.push(...rows.settings);
    tables.deviceConnected.push(...rows.deviceConnected);
    tables.acActivity.push(...rows.acActivity);
  }
  await mkdir(ctx.runPath(TRANSFORM_DIR), { recursive: true });
  const files = {} as TransformResult['files'];
  const counts = {} as TransformResult['rows'];
  for (const [table, rows] of Object.entries(tables) as [keyof typeof tables, unknown[]][]) {
    const file = path.posix.join(TRANSFORM_DIR, `${table}.json`);
    await writeFile(ctx.runPath(file), JSON.stringify(rows));
    files[table] = file;
    counts[table] = rows.length;
  }
  const workMs = Math.round(performance.now() - workStart);
  ctx.log.info(
    { danfoImportMs, danfoSource: danfo.source, startupMs, workMs, rows: counts },
    'transform done',
  );
  return { files, rows: counts, danfoImportMs, danfoSource: danfo.source, startupMs, workMs };
}
