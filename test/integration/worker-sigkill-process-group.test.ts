/**
 * A worker killed with SIGKILL while its process-executor child runs (issue 14, item 9): the child
 * and its own child keep running (nothing can take them down with the worker), the try's process
 * group stays recorded, and the next worker on the host kills the group at start, fails the try as
 * orphaned and runs the retry. Real Postgres, Redis, a `heatflow worker` process (dist) and its
 * children.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDagDate } from '../../src/core/timetable.js';
import { countRunsByState } from '../../src/db/dag-run-repository.js';
import { processStateOfStat } from '../../src/executors/process-groups.js';
import { createBackfill } from '../../src/scheduler/dag-run-service.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

const CLI = path.resolve('dist/src/cli/main.js');
/** Try 1 starts a grandchild and waits for it (5 min); later tries exit 0 at once. */
const SCRIPT = `if [ "$HEATFLOW_TRY_NUMBER" = 1 ]; then
  sleep 300 & echo $! > "$1/grandchild.pid"; echo $$ > "$1/task.pid"; wait
fi`;

/** Is the process alive (not gone, not a zombie waiting for its parent)? */
async function alive(pid: number): Promise<boolean> {
  try {
    return processStateOfStat(await readFile(`/proc/${pid}/stat`, 'utf8')) !== 'Z';
  } catch {
    return false;
  }
}

describe('process groups left by a SIGKILLed worker', () => {
  let h: TestOrchestrator;
  let worker: ChildProcess;
  let marks: string;
  let taskPid: number;
  let grandchildPid: number;
  let backfillId: string;

  beforeAll(async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'hf-pgroup-'));
    marks = path.join(tmp, 'marks');
    const dagsDir = path.join(tmp, 'dags');
    await mkdir(marks, { recursive: true });
    await mkdir(dagsDir, { recursive: true });
    await writeFile(path.join(dagsDir, 'package.json'), '{"type":"module"}');
    await writeFile(
      path.join(dagsDir, 'pg_dag.ts'),
      `import { defineDag } from ${JSON.stringify(path.resolve('src/core/define-dag.js'))};
export const dag = defineDag({
  dagId: 'pg_dag',
  schedule: '@daily',
  startDate: '2022-01-01',
  isPausedUponCreation: true,
  tasks: [{ taskId: 'long', command: ['sh', '-c', ${JSON.stringify(SCRIPT)}, 'sh', ${JSON.stringify(marks)}], retries: 1, retryDelayMs: 0 }],
});
`,
    );
    h = await createTestOrchestrator('pgroup', { dagsDir });
    await h.startScheduler();
    worker = spawn(process.execPath, [CLI, 'worker'], { env: h.env, stdio: ['ignore', 'ignore', 'inherit'] });
    await waitFor(
      'the scheduler to record the DAG',
      async () =>
        (await h.rt.db.selectFrom('heatflow.dags').select('dag_id').executeTakeFirst()) ?? undefined,
    );
    const dag = await waitFor('the DAG to be parsed', () => h.rt.registry.get('pg_dag'));
    const { backfill } = await createBackfill(h.rt.deps, dag, {
      from: parseDagDate('2022-01-01', 'UTC', false),
      to: parseDagDate('2022-01-01', 'UTC', true),
    });
    backfillId = backfill?.id ?? '';
    await waitFor('try 1 to start its grandchild', () =>
      Promise.resolve(
        existsSync(path.join(marks, 'task.pid')) && existsSync(path.join(marks, 'grandchild.pid'))
          ? true
          : undefined,
      ),
    );
    taskPid = Number(await readFile(path.join(marks, 'task.pid'), 'utf8'));
    grandchildPid = Number(await readFile(path.join(marks, 'grandchild.pid'), 'utf8'));
  }, 90_000);
  afterAll(async () => {
    if (worker.exitCode === null) worker.kill('SIGKILL');
    for (const pid of [taskPid, grandchildPid]) {
      try {
        if (pid > 0) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone, as it should be
      }
    }
    await h?.cleanup();
  });

  it('records the group while the child runs; after SIGKILL of the worker its processes still run', async () => {
    const row = await h.rt.db
      .selectFrom('heatflow.task_tries')
      .select(['process_group', 'state'])
      .where('try_number', '=', 1)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ process_group: taskPid, state: 'running' });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGKILL');
    await exited;
    expect(await alive(taskPid)).toBe(true);
    expect(await alive(grandchildPid)).toBe(true);
  });

  it('the next worker kills the group at start, fails the try as orphaned and runs the retry', async () => {
    const prefix = h.config.HEATFLOW_REDIS_PREFIX;
    await waitFor('the dead worker to stop counting as alive', async () =>
      (await h.rt.redis.keys(`${prefix}:worker:*`)).length === 0 ? true : undefined,
    );
    await h.startWorker();
    await waitFor('the group to be killed', async () =>
      !(await alive(taskPid)) && !(await alive(grandchildPid)) ? true : undefined,
    );
    await waitFor('the run to succeed', async () =>
      (await countRunsByState(h.rt.db, { backfillId })).success === 1 ? true : undefined,
    );
    const tries = await h.rt.db
      .selectFrom('heatflow.task_tries')
      .select(['try_number', 'state', 'error', 'process_group'])
      .orderBy('try_number')
      .execute();
    expect(tries.map((t) => [t.try_number, t.state, t.process_group])).toEqual([
      [1, 'failed', null],
      [2, 'success', null],
    ]);
    expect(tries[0]?.error).toMatch(
      new RegExp(`^orphaned: its worker died; process group ${taskPid} killed by worker `),
    );
  });
});
