/**
 * The two try endings a task asks for with a reserved exit code, on real Postgres and Redis with
 * the process executor: 98 fails the task instance at once (no retry spent), 97 reschedules it
 * (state up_for_reschedule until the asked date, then a new try that spends no retry).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { parseDagDate } from '../../src/core/timetable.js';
import { countRunsByState } from '../../src/db/dag-run-repository.js';
import { createBackfill } from '../../src/scheduler/dag-run-service.js';
import { FailTask } from '../../src/task-sdk/fail-task.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

const STEP = path.resolve('test/fixtures/task-scripts/step.mjs');
const step = (mode = 'ok') => ['node', STEP, mode];
const day = (d: string, end = false) => parseDagDate(d, 'UTC', end);
const RUN_ID = 'backfill__2022-01-01T00:00:00+00:00';

let h: TestOrchestrator | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

async function runOneDay(t: TestOrchestrator, dag: ReturnType<typeof defineDag>) {
  await t.startScheduler();
  await t.startWorker();
  const { backfill } = await createBackfill(t.rt.deps, dag, {
    from: day('2022-01-01'),
    to: day('2022-01-01', true),
  });
  return waitFor(
    'the run to finish',
    async () => {
      const c = await countRunsByState(t.rt.db, { backfillId: backfill?.id ?? '' });
      return (c.success ?? 0) + (c.failed ?? 0) === 1 ? c : undefined;
    },
    60_000,
  );
}

const triesOf = (t: TestOrchestrator, taskId: string) =>
  t.rt.db
    .selectFrom('heatflow.task_tries')
    .selectAll()
    .where('task_id', '=', taskId)
    .orderBy('try_number')
    .execute();

const tiOf = (t: TestOrchestrator, taskId: string) =>
  t.rt.db
    .selectFrom('heatflow.task_instances')
    .selectAll()
    .where('task_id', '=', taskId)
    .executeTakeFirstOrThrow();

const logOf = (t: TestOrchestrator, dagId: string, taskId: string, tryNumber: number) =>
  readFile(
    path.join(
      t.config.HEATFLOW_LOG_DIR,
      `dag_id=${dagId}`,
      `run_id=${RUN_ID}`,
      `task_id=${taskId}`,
      `attempt=${tryNumber}.log`,
    ),
    'utf8',
  );

describe('reserved exit codes: do not retry, reschedule', () => {
  it('exit code 98 fails the task instance at once, with retries left; downstream upstream_failed', async () => {
    const dag = defineDag({
      dagId: 'no_retry',
      schedule: '@daily',
      startDate: '2022-01-01',
      isPausedUponCreation: true,
      defaultArgs: { retries: 3, retryDelayMs: 100 },
      tasks: [
        { taskId: 'doomed', command: step('no-retry') },
        { taskId: 'after', command: step(), upstream: ['doomed'] },
      ],
    });
    h = await createTestOrchestrator('noretry', { dags: [dag] });
    expect(await runOneDay(h, dag)).toEqual({ failed: 1 });
    const ti = await tiOf(h, 'doomed');
    expect([ti.state, ti.try_number, ti.max_tries]).toEqual(['failed', 1, 3]);
    expect(ti.state_reason).toMatch(
      /^exited with code 98 \(failed, not to be retried\); stderr: task doomed cannot succeed/,
    );
    const tries = await triesOf(h, 'doomed');
    expect(tries.map((x) => [x.try_number, x.state, x.exit_code])).toEqual([[1, 'failed', 98]]);
    expect(tries[0]?.error).toBe(ti.state_reason);
    expect((await tiOf(h, 'after')).state).toBe('upstream_failed');
    expect(await logOf(h, 'no_retry', 'doomed', 1)).toMatch(
      /failed, not retried \(the task said retrying cannot help\): exited with code 98/,
    );
  }, 90_000);

  it('a template that throws FailTask fails the try at once, without running it', async () => {
    const dag = defineDag({
      dagId: 'bad_param',
      schedule: '@daily',
      startDate: '2022-01-01',
      isPausedUponCreation: true,
      defaultArgs: { retries: 3, retryDelayMs: 100 },
      tasks: [
        {
          taskId: 'clean',
          command: step(),
          env: {
            DATES: () => {
              throw new FailTask('param "dates": range "2022-12-01..2022-11-30" ends before it starts');
            },
          },
        },
      ],
    });
    h = await createTestOrchestrator('badparam', { dags: [dag] });
    expect(await runOneDay(h, dag)).toEqual({ failed: 1 });
    const tries = await triesOf(h, 'clean');
    expect(tries.map((x) => [x.try_number, x.state, x.exit_code, x.error])).toEqual([
      [
        1,
        'failed',
        null,
        'rendering the command or environment failed (not retried): param "dates": range "2022-12-01..2022-11-30" ends before it starts',
      ],
    ]);
  }, 90_000);

  it('exit code 97 reschedules without spending a retry, waits until the asked time, then runs on', async () => {
    const dag = defineDag({
      dagId: 'resched',
      schedule: '@daily',
      startDate: '2022-01-01',
      isPausedUponCreation: true,
      // no retries at all: a reschedule must not need one
      defaultArgs: { retries: 0 },
      tasks: [
        { taskId: 'sensor', command: step('reschedule:2:800') },
        { taskId: 'after', command: step(), upstream: ['sensor'] },
      ],
    });
    h = await createTestOrchestrator('resched', { dags: [dag] });
    const seen = new Set<string>();
    const watching = (async () => {
      for (let i = 0; i < 600 && h !== undefined; i++) {
        const row = await h.rt.db
          .selectFrom('heatflow.task_instances')
          .select('state')
          .where('task_id', '=', 'sensor')
          .executeTakeFirst()
          .catch(() => undefined);
        if (row !== undefined) seen.add(row.state);
        if (row?.state === 'success') return;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    expect(await runOneDay(h, dag)).toEqual({ success: 1 });
    await watching;
    expect(seen).toContain('up_for_reschedule');
    const ti = await tiOf(h, 'sensor');
    // two reschedules granted two tries: max_tries 0 + 2, no retry spent
    expect([ti.state, ti.try_number, ti.max_tries]).toEqual(['success', 3, 2]);
    const tries = await triesOf(h, 'sensor');
    expect(tries.map((x) => [x.try_number, x.state, x.exit_code])).toEqual([
      [1, 'up_for_reschedule', 97],
      [2, 'up_for_reschedule', 97],
      [3, 'success', 0],
    ]);
    for (const x of tries.slice(0, 2)) expect(x.error).toMatch(/^rescheduled until \S+Z: wait 800 ms$/);
    // each next try started no earlier than the asked time (800 ms after the reschedule was written)
    for (const [a, b] of [
      [0, 1],
      [1, 2],
    ] as const) {
      const asked = Date.parse(/until (\S+):/.exec(tries[a]?.error ?? '')?.[1] ?? '');
      expect(tries[b]?.start_date?.getTime() ?? 0).toBeGreaterThanOrEqual(asked);
      expect(
        (tries[b]?.start_date?.getTime() ?? 0) - (tries[a]?.end_date?.getTime() ?? 0),
      ).toBeGreaterThanOrEqual(500);
    }
    expect((await tiOf(h, 'after')).state).toBe('success');
    expect(await logOf(h, 'resched', 'sensor', 1)).toMatch(
      /rescheduled \(no retry spent\): wait 800 ms; next try at \d{4}-\d\d-\d\dT[\d:.]+Z/,
    );
  }, 90_000);
});
