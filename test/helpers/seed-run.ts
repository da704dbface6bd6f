/**
 * Records a scheduled DAG run as the scheduler would create it (one `dag_runs` row, queued, and a
 * task instance per task), without a scheduler: for tests of the CLI verbs that act on a run.
 */
import type { Kysely } from 'kysely';
import { makeRunId } from '../../src/core/run-id.js';
import { scheduledRunOnDay } from '../../src/core/timetable.js';
import type { Database } from '../../src/db/database.js';
import { insertQueuedRuns } from '../../src/db/dag-run-repository.js';
import { insertTaskInstances } from '../../src/db/task-instance-repository.js';

/** What {@link seedScheduledRun} records. */
export interface SeedRun {
  readonly dagId: string;
  /** the local day, `YYYY-MM-DD`, whose scheduled run is recorded */
  readonly day: string;
  readonly timezone: string;
  readonly taskIds: readonly string[];
  /** the task instances' `max_tries` */
  readonly maxTries: number;
  /** the DAG's cron schedule; `@defaultValue` `0 1 * * *` (the fixtures' DAGs) */
  readonly schedule?: string;
}

/** Records the run and its task instances; returns its run id. @throws Error when no run falls on the day */
export async function seedScheduledRun(db: Kysely<Database>, s: SeedRun): Promise<string> {
  const info = scheduledRunOnDay({ schedule: s.schedule ?? '0 1 * * *', timezone: s.timezone }, s.day);
  if (info === null) throw new Error(`no run of ${s.dagId} on ${s.day}`);
  const runId = makeRunId('scheduled', info.logicalDate);
  await insertQueuedRuns(
    db,
    [
      {
        dagId: s.dagId,
        runId,
        runType: 'scheduled',
        logicalDate: info.logicalDate,
        dataIntervalStart: info.dataInterval.start,
        dataIntervalEnd: info.dataInterval.end,
      },
    ],
    new Date(),
  );
  await insertTaskInstances(
    db,
    s.taskIds.map((taskId) => ({
      dagId: s.dagId,
      runId,
      taskId,
      maxTries: s.maxTries,
      pool: 'default_pool',
      poolSlots: 1,
    })),
  );
  return runId;
}
