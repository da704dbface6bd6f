/**
 * heating_analytics › quality_check: the run's verdict on its input. Every zone-day clean could
 * read was analysed and stored by the tasks before this one; a zone-day whose `tado` tables are
 * missing or half loaded was set aside, recorded in `analytics.zone_days` as rejected (its
 * analytics rows removed), and fails the run here with the reasons, naming zone and date, so
 * that it does not pass unnoticed. Re-loading the day (tado_etl) emits an asset event that
 * analyses it again. Opens no connection.
 *
 * Returns the counts when nothing was set aside.
 */
import {
  cleanResultSchema,
  mergeResultSchema,
  rejectedZoneDaySchema,
} from '../src/analytics/task-results.js';
import { HeatflowError } from '../src/core/errors.js';
import { runTask, type TaskRuntimeContext } from '../src/task-sdk/index.js';
import { readJsonFile, RunFileError } from '../src/task-sdk/run-files.js';

void runTask(qualityCheck);

async function qualityCheck(ctx: TaskRuntimeContext): Promise<{ zoneDays: number; minutes: number }> {
  const clean = ctx.xcom('clean', cleanResultSchema);
  const merge = ctx.xcom('merge', mergeResultSchema);
  if (clean.rejectedTotal === 0) return { zoneDays: clean.zoneDays, minutes: merge.minutesWritten };
  const parsed = rejectedZoneDaySchema
    .array()
    .safeParse(await readJsonFile(ctx.runPath(clean.rejectedFile), clean.rejectedFile));
  if (!parsed.success)
    throw new RunFileError(clean.rejectedFile, `not a list of rejected zone-days: ${parsed.error.message}`);
  for (const r of parsed.data) ctx.log.error({ zoneId: r.zoneId, date: r.date }, r.reason);
  const shown = parsed.data.slice(0, 5).map((r) => r.reason);
  throw new HeatflowError(
    'ZONE_DAYS_REJECTED',
    `${parsed.data.length} zone-day(s) set aside, the other ${clean.zoneDays} analysed and stored: ${shown.join('; ')}` +
      (parsed.data.length > shown.length
        ? `; and ${parsed.data.length - shown.length} more (${clean.rejectedFile})`
        : ''),
  );
}
