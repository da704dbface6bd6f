/**
 * The tado_etl data path in one process, for benchmarks that need a loaded warehouse: every HEATING
 * and AIR_CONDITIONING zone's day report of a range fetched from the simulator over HTTP, checked (`checkDayReport`),
 * flattened (`flattenDayReport`, danfojs join) and loaded (`Warehouse.load`, one transaction per
 * day) — what the DAG's runs store, without the orchestrator.
 */
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { createDb } from '../../src/db/connection.js';
import { Warehouse, type WarehouseDatabase } from '../../src/db/warehouse.js';
import { checkDayReport } from '../../src/etl/check-day-report.js';
import { flattenDayReport, zoneRow } from '../../src/etl/flatten-day-report.js';
import { danfoInteriorJoin, importDanfo } from '../../src/etl/join-interior.js';
import { buildWarehouseBatch, type FlattenedReport } from '../../src/etl/warehouse-batch.js';
import { isBeforeZoneCreation } from '../../src/tado/errors.js';
import { TadoClient } from '../../src/tado/tado-client.js';
import { loadTadoConfig } from '../../src/tado/tado-config.js';

/** What {@link loadSimulatedRange} did. */
export interface LoadedRange {
  readonly wallMs: number;
  /** the load transactions only */
  readonly loadMs: number;
  readonly rowsWritten: number;
  readonly zoneDaysSkippedBeforeCreation: number;
  readonly reportsFailed: readonly string[];
  readonly flags: Readonly<Record<string, number>>;
  /** requests the client sent */
  readonly apiRequests: number;
}

/**
 * Loads `first..last` (local dates of the home) into the `tado` schema of `databaseUrl`.
 * @param tadoEnv - the `TADO_*` settings pointing at a simulator (token file, URLs, no pacing)
 */
export async function loadSimulatedRange(
  databaseUrl: string,
  tadoEnv: NodeJS.ProcessEnv,
  first: string,
  last: string,
): Promise<LoadedRange> {
  const db = createDb(databaseUrl) as unknown as Kysely<WarehouseDatabase>;
  const warehouse = new Warehouse(db);
  const client = new TadoClient({ config: loadTadoConfig(tadoEnv) });
  const join = danfoInteriorJoin(await importDanfo());
  const homeId = await client.resolveHomeId();
  const timeZone = (await client.getHome(homeId)).dateTimeZone;
  const zones = await client.getZones(homeId);
  const failed: string[] = [];
  const flags: Record<string, number> = {};
  let skipped = 0;
  let written = 0;
  let loadMs = 0;
  const started = performance.now();
  try {
    const end = DateTime.fromISO(last, { zone: timeZone });
    for (let d = DateTime.fromISO(first, { zone: timeZone }); d <= end; d = d.plus({ days: 1 })) {
      const date = d.toISODate() ?? '';
      const reports: FlattenedReport[] = [];
      // the zones extract fetches (HOT_WATER has no day report)
      for (const z of zones.filter((zone) => zone.type === 'HEATING' || zone.type === 'AIR_CONDITIONING')) {
        let report;
        try {
          report = await client.getDayReport(homeId, z.id, date);
        } catch (e) {
          if (isBeforeZoneCreation(e)) {
            skipped++;
            continue;
          }
          throw e;
        }
        const check = checkDayReport(report, { file: `${date}/zone-${z.id}`, zoneId: z.id, date, timeZone });
        if (check.issues.length > 0) {
          failed.push(
            `${date} zone ${z.id}: ${check.issues[0]?.path ?? ''} ${check.issues[0]?.message ?? ''}`,
          );
          continue;
        }
        for (const f of check.flags) flags[f.code] = (flags[f.code] ?? 0) + 1;
        reports.push({
          rows: flattenDayReport(report, { homeId, zoneId: z.id, date, timeZone }, join),
          report,
        });
      }
      const s = performance.now();
      const r = await warehouse.load(
        buildWarehouseBatch(
          zones.map((z) => zoneRow(homeId, z)),
          reports,
        ),
      );
      loadMs += performance.now() - s;
      written += (Object.values(r.upserted) as number[]).reduce((a, b) => a + b, 0);
    }
  } finally {
    await db.destroy();
  }
  return {
    wallMs: Math.round(performance.now() - started),
    loadMs: Math.round(loadMs),
    rowsWritten: written,
    zoneDaysSkippedBeforeCreation: skipped,
    reportsFailed: failed,
    flags,
    apiRequests: client.requestCount,
  };
}
