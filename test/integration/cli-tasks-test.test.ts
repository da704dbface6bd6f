/**
 * `heatflow tasks test` reads the upstream XComs of the existing DAG run of that logical date, as
 * Airflow's does (issue 16: after the demo, `tasks test tado_etl transform 2022-06-15` failed with
 * "no return value of upstream task validate"), and still records nothing; without a run it runs
 * with no upstream values, as before. The CLI as users run it, real Postgres and Redis.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRunId } from '../../src/core/run-id.js';
import { parseDagDate, scheduledRunOnDay } from '../../src/core/timetable.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { insertQueuedRuns } from '../../src/db/dag-run-repository.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';
import { runCli } from '../helpers/run-cli.js';

const STEP = path.resolve('test/fixtures/task-scripts/step.mjs');
const CORE = path.resolve('src/core/define-dag.ts');
let h: TestOrchestrator;

beforeAll(async () => {
  const dagsDir = path.join(os.tmpdir(), `hf-taskstest-dags-${process.pid}-${Date.now()}`);
  await mkdir(dagsDir, { recursive: true });
  await writeFile(path.join(dagsDir, 'package.json'), '{"type":"module"}');
  await writeFile(
    path.join(dagsDir, 'tt.ts'),
    `import { defineDag } from ${JSON.stringify(CORE)};
export const dag = defineDag({
  dagId: 'tt_dag', schedule: '0 1 * * *', startDate: '2022-01-01', timezone: 'Europe/London',
  isPausedUponCreation: true,
  tasks: [
    { taskId: 'a', command: ['node', ${JSON.stringify(STEP)}, 'ok'] },
    { taskId: 'b', command: ['node', ${JSON.stringify(STEP)}, 'echo-upstream'], upstream: ['a'] },
  ],
});`,
  );
  h = await createTestOrchestrator('taskstest', { dagsDir });
  await h.rt.registry.refresh();
  await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
}, 60_000);
afterAll(async () => h?.cleanup());

describe('tasks test', () => {
  it('uses the XComs of the existing run of that date, and records nothing', async () => {
    const day = scheduledRunOnDay({ schedule: '0 1 * * *', timezone: 'Europe/London' }, '2022-06-15');
    expect(day).not.toBeNull();
    const logical = day?.logicalDate ?? parseDagDate('2022-06-15', 'UTC', false);
    const runId = makeRunId('backfill', logical);
    await insertQueuedRuns(
      h.rt.db,
      [
        {
          dagId: 'tt_dag',
          runId,
          runType: 'backfill',
          logicalDate: logical,
          dataIntervalStart: day?.dataInterval.start ?? logical,
          dataIntervalEnd: day?.dataInterval.end ?? logical,
        },
      ],
      new Date(),
    );
    await h.rt.xcom.push({ dagId: 'tt_dag', runId, taskId: 'a' }, { rows: 42 });
    const r = await runCli(['tasks', 'test', 'tt_dag', 'b', '2022-06-15'], h.env, { timeoutMs: 120_000 });
    expect(r.err).toContain(`existing DAG run ${runId}`);
    expect(r.code).toBe(0);
    expect(r.out).toContain('return value: {"sawUpstream":{"a":{"rows":42}}}');
    const tis = await h.rt.db.selectFrom('heatflow.task_instances').selectAll().execute();
    expect(tis).toEqual([]);
    expect(await h.rt.xcom.pull({ dagId: 'tt_dag', runId, taskId: 'b' })).toBeUndefined();
  }, 150_000);

  it('without a run of that date: no upstream values, a manual run id', async () => {
    const r = await runCli(['tasks', 'test', 'tt_dag', 'b', '2022-06-16'], h.env, { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    expect(r.err).toContain('manual__2022-06-16T00:00:00+00:00');
    expect(r.out).toContain('return value: {"sawUpstream":{}}');
  }, 150_000);
});
