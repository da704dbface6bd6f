/**
 * tado_etl › extract: fetches the zone list and one day report per HEATING and AIR_CONDITIONING
 * zone (HOT_WATER zones are skipped: tado has no day report for them) for `ds` (the
 * local day in the home's time zone) and writes them, raw, under `<run dir>/extract/`. Zones that
 * did not exist yet that day are recorded as skipped, not failed. A run started before the day's
 * report window closed (+5 min) waits for it, up to 30 min; a day further from over fails the try
 * (`DAY_NOT_OVER`). A report cut short anyway fails the try, so the retry fetches it again; a
 * report whose window is that of another time zone fails it without retries. The
 * client's rate limit and pacing apply (TADO_* variables, `src/tado/tado-config.ts`): a spent
 * quota reschedules the try until its refill (no retry spent), a dead sign-in fails it without
 * retries (`src/etl/tado-task-signal.ts`).
 *
 * Returns {@link ExtractResult}.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import { assertDayReportValid, checkDayReport } from '../src/etl/check-day-report.js';
import { etlTaskSignal } from '../src/etl/etl-task-signal.js';
import { dayWindowToJson, localDayWindow, reportWaitMs } from '../src/etl/local-day-window.js';
import { EXTRACT_DIR, type ExtractResult } from '../src/etl/task-results.js';
import { tadoTaskSignal } from '../src/etl/tado-task-signal.js';
import { runTask, type TaskRuntimeContext } from '../src/task-sdk/index.js';
import { isBeforeZoneCreation } from '../src/tado/errors.js';
import { loadTadoConfig } from '../src/tado/tado-config.js';

void runTask((ctx) =>
  extract(ctx).catch((err: unknown) => {
    throw tadoTaskSignal(etlTaskSignal(err), new Date());
  }),
);

async function extract(ctx: TaskRuntimeContext): Promise<ExtractResult> {
  // Imported when the task runs: the HTTP client (axios, node:http/https) must not be evaluated
  // into the program's startup snapshot, which holds only what Node.js can snapshot safely.
  const { TadoClient } = await import('../src/tado/tado-client.js');
  const client = new TadoClient({ config: loadTadoConfig(ctx.env), logger: ctx.log });
  const homeId = await client.resolveHomeId();
  const home = await client.getHome(homeId);
  const timeZone = home.dateTimeZone;
  const zones = await client.getZones(homeId);
  const date = ctx.ds;
  // the local day's window, computed once here (time zone arithmetic needs ICU) and passed on
  const window = localDayWindow(date, timeZone);
  // A run started before the day's report window closed waits for it (at most 30 min), rather
  // than fetch reports cut short; a day further from over fails the try, naming when it can run.
  const waitMs = reportWaitMs(window, Date.now());
  if (waitMs > 0) {
    ctx.log.info(
      { date, waitMs, windowEnd: window.windowEnd.toISOString() },
      'waiting for the day report window to close',
    );
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  await mkdir(ctx.runPath(EXTRACT_DIR), { recursive: true });
  const zonesFile = path.posix.join(EXTRACT_DIR, 'zones.json');
  await writeFile(ctx.runPath(zonesFile), JSON.stringify(zones));

  const reports: ExtractResult['reports'] = [];
  const skipped: ExtractResult['skipped'] = [];
  for (const zone of zones) {
    const base = { zoneId: zone.id, zoneName: zone.name };
    // HOT_WATER (and any other type): tado answers its day report with 422 unsupportedForZoneType
    if (zone.type !== 'HEATING' && zone.type !== 'AIR_CONDITIONING') {
      skipped.push({ ...base, reason: 'not_heating', detail: `zone type ${zone.type}` });
      continue;
    }
    const created = DateTime.fromISO(zone.dateCreated, { zone: timeZone }).toISODate();
    if (created !== null && created > date) {
      skipped.push({ ...base, reason: 'before_zone_creation', detail: `zone created on ${created}` });
      ctx.log.info({ zoneId: zone.id, created }, 'zone not created yet that day: skipped');
      continue;
    }
    let report;
    try {
      report = await client.getDayReport(homeId, zone.id, date);
    } catch (err) {
      if (isBeforeZoneCreation(err)) {
        skipped.push({ ...base, reason: 'before_zone_creation', detail: err.message });
        ctx.log.info({ zoneId: zone.id, err: err.message }, 'zone not created yet that day: skipped');
        continue;
      }
      throw err;
    }
    const file = path.posix.join(EXTRACT_DIR, `dayreport-zone-${zone.id}-${date}.json`);
    await writeFile(ctx.runPath(file), JSON.stringify(report));
    // Only "cut short" (retried: fetching again fixes it) and a time zone/window mismatch (failed
    // without retries: every fetch returns the same window) fail here. validate checks the rest.
    const check = checkDayReport(report, { file, zoneId: zone.id, date, timeZone, window });
    if (check.cutShort || check.windowMismatch !== null) assertDayReportValid(check);
    reports.push({ ...base, file });
    ctx.log.info(
      { zoneId: zone.id, file, points: report.measuredData.insideTemperature.dataPoints.length },
      'day report fetched',
    );
  }
  const result: ExtractResult = {
    homeId,
    timeZone,
    date,
    window: dayWindowToJson(window),
    zonesFile,
    reports,
    skipped,
    requests: client.requestCount,
    rateLimitRemaining: client.rateLimit?.remaining ?? null,
  };
  ctx.log.info(
    { reports: reports.length, skipped: skipped.length, requests: result.requests },
    'extract done',
  );
  return result;
}
