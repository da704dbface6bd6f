/**
 * tado_etl › validate: parses every file extract wrote with the tado zod schemas and checks each
 * day report covers its local day (`src/etl/check-day-report.ts`): window = local day ±15 min,
 * points on the 15-minute grid covering `hoursInDay` (23/25 on clock-change days), contiguous
 * intervals; a report cut short fails. Placeholder data and device-offline spans are flagged (a
 * warning in the log and in the return value), not failed. A failure names file, zone, JSON path
 * and expected value; every bad report is logged, the first is the task's error.
 *
 * Returns {@link ValidateResult}.
 */
import { checkDayReport, assertDayReportValid } from '../src/etl/check-day-report.js';
import { formatDayReportIssue } from '../src/etl/errors.js';
import { etlTaskSignal } from '../src/etl/etl-task-signal.js';
import { readTaskJson } from '../src/etl/task-json-file.js';
import { dayWindowFromJson } from '../src/etl/local-day-window.js';
import { extractResultSchema, type ValidateResult } from '../src/etl/task-results.js';
import { runTask } from '../src/task-sdk/index.js';
import { dayReportSchema, parseWithPath, zonesSchema } from '../src/tado/schemas.js';

void runTask(async (ctx): Promise<ValidateResult> => {
  const extract = ctx.xcom('extract', extractResultSchema);
  // extract's window of the day (none in XComs of runs from before it passed one: computed then)
  const window = extract.window === undefined ? undefined : dayWindowFromJson(extract.window);
  const readJson = (file: string, subject: string): Promise<unknown> =>
    readTaskJson(ctx.runPath(file), { file, subject, date: extract.date, writtenBy: 'extract' });
  try {
    parseWithPath(zonesSchema, await readJson(extract.zonesFile, 'zone list'), extract.zonesFile);
  } catch (err) {
    throw etlTaskSignal(err);
  }

  const reports: ValidateResult['reports'] = [];
  const failures: Error[] = [];
  for (const r of extract.reports) {
    try {
      const report = parseWithPath(
        dayReportSchema,
        await readJson(r.file, `zone ${r.zoneId}`),
        `${r.file} (zone ${r.zoneId})`,
      );
      const check = checkDayReport(report, {
        file: r.file,
        zoneId: r.zoneId,
        date: extract.date,
        timeZone: extract.timeZone,
        ...(window === undefined ? {} : { window }),
      });
      for (const issue of check.issues) {
        ctx.log.error({ file: r.file, zoneId: r.zoneId, ...issue }, formatDayReportIssue(issue));
      }
      assertDayReportValid(check);
      for (const flag of check.flags)
        ctx.log.warn({ file: r.file, zoneId: r.zoneId, flag: flag.code }, flag.message);
      reports.push({
        ...r,
        placeholder: check.placeholder,
        deviceOfflineMs: check.deviceOfflineMs,
        flags: check.flags.map((f) => ({ code: f.code, message: f.message })),
      });
    } catch (err) {
      failures.push(err as Error);
    }
  }
  const [first] = failures;
  if (first !== undefined) {
    if (failures.length > 1)
      ctx.log.error({ failed: failures.length, of: extract.reports.length }, 'reports failed validation');
    // a window mismatch or an unreadable file fails without retries (a retry reads the same file)
    throw etlTaskSignal(first);
  }
  const flagged = reports.filter((r) => r.flags.length > 0).length;
  ctx.log.info({ reports: reports.length, flagged }, 'validate done');
  return {
    homeId: extract.homeId,
    timeZone: extract.timeZone,
    date: extract.date,
    ...(extract.window === undefined ? {} : { window: extract.window }),
    zonesFile: extract.zonesFile,
    reports,
    flagged,
  };
});
