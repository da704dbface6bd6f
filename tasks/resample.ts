/**
 * heating_analytics › resample: one value per zone and minute of each local day clean kept
 * (`resampleZoneDay`: indoor values interpolated between valid readings at most 30 min apart, step
 * series carried as their intervals say; 1,440 minutes, 1,380 / 1,500 on clock-change days).
 * Opens no connection. Writes `resample/zone-minutes.ndjson` (one `{ series, timeZone, counts }`
 * per zone-day, which merge stores and daily_metrics measures); returns {@link ResampleResult}.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { resampleZoneDay } from '../src/analytics/resample-zone-day.js';
import { cleanResultSchema, RESAMPLE_DIR, type ResampleResult } from '../src/analytics/task-results.js';
import type { CleanedZoneDay, ZoneDayInput } from '../src/analytics/types.js';
import { runTask, type TaskRuntimeContext } from '../src/task-sdk/index.js';
import { readNdjsonFile, RunFileError, writeNdjsonFile } from '../src/task-sdk/run-files.js';

void runTask(resample);

async function resample(ctx: TaskRuntimeContext): Promise<ResampleResult> {
  const cleaned = ctx.xcom('clean', cleanResultSchema);
  const start = performance.now();
  await mkdir(ctx.runPath(RESAMPLE_DIR), { recursive: true });
  const seriesFile = path.posix.join(RESAMPLE_DIR, 'zone-minutes.ndjson');
  let zoneDays = 0;
  let minutes = 0;
  async function* series(): AsyncGenerator<unknown> {
    let line = 0;
    for await (const value of readNdjsonFile(ctx.runPath(cleaned.zoneDaysFile), cleaned.zoneDaysFile)) {
      line++;
      const v = value as { input?: ZoneDayInput; cleaned?: CleanedZoneDay };
      if (v.input === undefined || v.cleaned === undefined)
        throw new RunFileError(cleaned.zoneDaysFile, `line ${line}: expected { input, cleaned }`);
      const s = resampleZoneDay(v.input, v.cleaned);
      zoneDays++;
      minutes += s.minutes;
      yield { series: s, timeZone: v.input.timeZone, counts: v.cleaned.counts };
    }
  }
  // written as computed: one zone-day's series in memory at a time
  await writeNdjsonFile(ctx.runPath(seriesFile), series());
  const workMs = Math.round(performance.now() - start);
  ctx.log.info({ zoneDays, minutes, workMs }, 'resample done');
  return {
    zoneDays,
    minutes,
    seriesFile,
    rejectedFile: cleaned.rejectedFile,
    rejectedTotal: cleaned.rejectedTotal,
    homeYears: cleaned.homeYears,
    workMs,
  };
}
