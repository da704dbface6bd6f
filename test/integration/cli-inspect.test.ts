/**
 * `heatflow dags list-runs`, `dags next-execution`, `tasks list`, `tasks state` through the real
 * CLI (a child process, from source) against real Postgres and Redis: output, filters, exit codes,
 * and bad input (unknown DAG or task, bad date, unknown state).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { insertQueuedRuns, setRunState } from '../../src/db/dag-run-repository.js';
import { insertTaskInstances, setTiStates } from '../../src/db/task-instance-repository.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';
import { runCli as runCliWith } from '../helpers/run-cli.js';

/** per test: one CLI start from source takes 30 s on a loaded machine */
const T = 400_000;
const CORE = path.resolve('src/core/define-dag.js');
let h: TestOrchestrator;
const run = (args: string[]) => runCliWith(args, h.env, { timeoutMs: 200_000 });

const day = (d: number) => new Date(Date.UTC(2022, 0, d, 1));
const RUN_1 = 'scheduled__2022-01-01T01:00:00+00:00';
const RUN_2 = 'scheduled__2022-01-02T01:00:00+00:00';

beforeAll(async () => {
  const dagsDir = path.join(os.tmpdir(), `hf-cli-inspect-${process.pid}-${Date.now()}`);
  await mkdir(dagsDir, { recursive: true });
  await writeFile(path.join(dagsDir, 'package.json'), '{"type":"module"}');
  await writeFile(
    path.join(dagsDir, 'inspect.ts'),
    `import { defineDag } from ${JSON.stringify(CORE)};
export const daily = defineDag({
  dagId: 'inspect_dag', schedule: '0 1 * * *', startDate: '2022-01-01', timezone: 'UTC', catchup: true,
  isPausedUponCreation: true,
  tasks: [
    { taskId: 'a', command: ['true'] },
    { taskId: 'b', command: ['true'], upstream: ['a'] },
    { taskId: 'c', command: ['true'], upstream: ['a'] },
    { taskId: 'd', command: ['true'], upstream: ['b', 'c'] },
  ],
});
export const manual = defineDag({ dagId: 'manual_dag', schedule: null, startDate: '2022-01-01',
  isPausedUponCreation: false, tasks: [{ taskId: 'only', command: ['true'] }] });`,
  );
  h = await createTestOrchestrator('cliinspect', { dagsDir });
  const db = h.rt.db;
  await syncDagBag(db, await h.rt.registry.refresh(), new Date());
  await insertQueuedRuns(
    db,
    [1, 2].map((d) => ({
      dagId: 'inspect_dag',
      runId: d === 1 ? RUN_1 : RUN_2,
      runType: 'scheduled' as const,
      logicalDate: day(d),
      dataIntervalStart: day(d),
      dataIntervalEnd: day(d + 1),
    })),
    new Date(),
  );
  await setRunState(db, 'inspect_dag', RUN_1, 'success', new Date());
  await setRunState(db, 'inspect_dag', RUN_2, 'running', new Date());
  for (const runId of [RUN_1, RUN_2])
    await insertTaskInstances(
      db,
      ['a', 'b', 'c', 'd'].map((taskId) => ({
        dagId: 'inspect_dag',
        runId,
        taskId,
        maxTries: 1,
        pool: 'default_pool',
        poolSlots: 1,
      })),
    );
  await setTiStates(db, 'inspect_dag', RUN_1, ['a', 'b', 'c', 'd'], 'success', new Date());
  await setTiStates(db, 'inspect_dag', RUN_2, ['a'], 'failed', new Date());
}, 180_000);
afterAll(async () => h.cleanup());

describe('heatflow dags list-runs', () => {
  it(
    'lists the runs newest first; --state and --start-date filter; -o json',
    async () => {
      const all = await run(['dags', 'list-runs', 'inspect_dag']);
      expect(all.code, all.err).toBe(0);
      const lines = all.out.trim().split('\n');
      expect(lines[0]).toMatch(/^dag_id\s+run_id\s+state\s+logical_date\s+start_date\s+end_date$/);
      expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 4))).toEqual([
        ['inspect_dag', RUN_2, 'running', '2022-01-02T01:00:00.000Z'],
        ['inspect_dag', RUN_1, 'success', '2022-01-01T01:00:00.000Z'],
      ]);
      const ok = await run(['dags', 'list-runs', 'inspect_dag', '--state', 'success', '-o', 'json']);
      expect(ok.code, ok.err).toBe(0);
      expect((JSON.parse(ok.out) as { run_id: string }[]).map((r) => r.run_id)).toEqual([RUN_1]);
      const later = await run(['dags', 'list-runs', 'inspect_dag', '--start-date', '2022-01-02', '--json']);
      expect((JSON.parse(later.out) as { run_id: string; state: string }[]).map((r) => r.run_id)).toEqual([
        RUN_2,
      ]);
    },
    T,
  );

  it(
    'bad input: unknown DAG, bad date, unknown state: exit 1 with a one-line reason',
    async () => {
      const unknown = await run(['dags', 'list-runs', 'no_such_dag']);
      expect(unknown.code).toBe(1);
      expect(unknown.err).toContain('DAG "no_such_dag" not found');
      const badDate = await run(['dags', 'list-runs', 'inspect_dag', '--start-date', '2022-13-45']);
      expect(badDate.code).toBe(1);
      expect(badDate.err).toMatch(/^heatflow: --start-date: /);
      const badState = await run(['dags', 'list-runs', 'inspect_dag', '--state', 'done']);
      expect(badState.code).toBe(1);
      expect(badState.err).toContain('--state must be one of queued, running, success, failed, got "done"');
      expect((await run(['dags', 'list-runs'])).code).toBe(2);
    },
    T,
  );
});

describe('heatflow dags next-execution', () => {
  it(
    'prints the next logical dates of the schedule after the existing runs, with the paused reminder; None for a manual DAG; -n capped',
    async () => {
      const next = await run(['dags', 'next-execution', 'inspect_dag', '-n', '3']);
      expect(next.code, next.err).toBe(0);
      // catchup from the start date 2022-01-01, daily at 01:00 UTC; 01-01 and 01-02 have runs
      // (the schedule steps over them, as the web's "Next run" and dags list --json say)
      expect(next.out).toBe('2022-01-03T01:00:00.000Z\n2022-01-04T01:00:00.000Z\n2022-01-05T01:00:00.000Z\n');
      const list = await run(['dags', 'list', '--json']);
      const listed = (
        JSON.parse(list.out) as { dags: { dag_id: string; next_dagrun: string | null }[] }
      ).dags.find((d) => d.dag_id === 'inspect_dag');
      expect(listed?.next_dagrun).toBe('2022-01-03T01:00:00.000Z');
      expect(next.err).toContain('this DAG is PAUSED');
      const manual = await run(['dags', 'next-execution', 'manual_dag']);
      expect(manual.code, manual.err).toBe(0);
      expect(manual.out).toBe('None\n');
      expect(manual.err).not.toContain('PAUSED');
      const bad = await run(['dags', 'next-execution', 'inspect_dag', '-n', '0']);
      expect(bad.code).toBe(1);
      expect(bad.err).toContain('--num-executions must be a positive integer, got "0"');
      const many = await run(['dags', 'next-execution', 'inspect_dag', '-n', '1001']);
      expect(many.code).toBe(1);
      expect(many.err).toContain('--num-executions must be at most 1000, got "1001"');
      const most = await run(['dags', 'next-execution', 'inspect_dag', '-n', '1000']);
      expect(most.out.trim().split('\n')).toHaveLength(1000);
      const unknown = await run(['dags', 'next-execution', 'no_such_dag']);
      expect(unknown.code).toBe(1);
      expect(unknown.err).toContain('DAG "no_such_dag" not found');
    },
    T,
  );
});

describe('heatflow tasks list / state', () => {
  it(
    'tasks list in dependency order, and --tree',
    async () => {
      const flat = await run(['tasks', 'list', 'inspect_dag']);
      expect(flat.code, flat.err).toBe(0);
      expect(flat.out.trim().split('\n').sort()).toEqual(['a', 'b', 'c', 'd']);
      const order = flat.out.trim().split('\n');
      expect(order.indexOf('a')).toBeLessThan(order.indexOf('b'));
      expect(order.indexOf('c')).toBeLessThan(order.indexOf('d'));
      const tree = await run(['tasks', 'list', 'inspect_dag', '--tree']);
      expect(tree.code, tree.err).toBe(0);
      expect(tree.out).toBe(['a', '    b', '        d', '    c', '        d', ''].join('\n'));
    },
    T,
  );

  it(
    'tasks state by date, date-time and run id; a TI never run is None; bad input exits 1',
    async () => {
      expect((await run(['tasks', 'state', 'inspect_dag', 'b', '2022-01-01'])).out).toBe('success\n');
      expect((await run(['tasks', 'state', 'inspect_dag', 'a', '2022-01-02T01:00:00Z'])).out).toBe(
        'failed\n',
      );
      const byId = await run(['tasks', 'state', 'inspect_dag', 'd', RUN_2]);
      expect(byId.code, byId.err).toBe(0);
      expect(byId.out).toBe('None\n');
      const noRun = await run(['tasks', 'state', 'inspect_dag', 'a', '2022-03-01']);
      expect(noRun.code).toBe(1);
      expect(noRun.err).toContain('DAG "inspect_dag" has no run with logical date 2022-03-01T01:00:00.000Z');
      const badDate = await run(['tasks', 'state', 'inspect_dag', 'a', 'yesterday-ish']);
      expect(badDate.code).toBe(1);
      expect(badDate.err).toMatch(/<logical_date>: .*\(nor a run id of inspect_dag\)/);
      const badTask = await run(['tasks', 'state', 'inspect_dag', 'zz', '2022-01-01']);
      expect(badTask.code).toBe(1);
      expect(badTask.err).toContain('task "zz" not in DAG "inspect_dag"');
      expect((await run(['tasks', 'state', 'no_such_dag', 'a', '2022-01-01'])).code).toBe(1);
    },
    T,
  );
});
