/**
 * The event log of CLI actions: `dags trigger|pause|unpause|backfill` and `tasks clear`, run as
 * users run them (child processes through tsx), each record exactly one row with the OS user as
 * owner, source `cli` and the host name; a dry run records nothing.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertTaskInstances } from '../../src/db/task-instance-repository.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';
import { runCli } from '../helpers/run-cli.js';

const CORE = path.resolve('src/core/define-dag.js');
let h: TestOrchestrator;
let dagsDir: string;
const cli = (args: string[]) => runCli(args, h.env, { timeoutMs: 240_000 });
const eventsOf = (event: string) =>
  h.rt.db.selectFrom('heatflow.log').selectAll().where('event', '=', event).execute();

beforeAll(async () => {
  dagsDir = path.join(os.tmpdir(), `hf-cli-log-dags-${process.pid}-${Date.now()}`);
  await mkdir(dagsDir, { recursive: true });
  await writeFile(path.join(dagsDir, 'package.json'), '{"type":"module"}');
  await writeFile(
    path.join(dagsDir, 'logged.ts'),
    `import { defineDag } from ${JSON.stringify(CORE)};
export const dag = defineDag({
  dagId: 'logged', schedule: '0 1 * * *', startDate: '2022-01-01', isPausedUponCreation: true,
  tasks: [{ taskId: 'only', command: ['node', '-e', '0'] }],
});`,
  );
  h = await createTestOrchestrator('clilog', { dagsDir });
}, 120_000);
afterAll(async () => {
  await h.cleanup();
  await rm(dagsDir, { recursive: true, force: true });
});

describe('event log of CLI actions', () => {
  it('records trigger, pause, unpause, backfill and tasks clear once each, as the OS user on this host', async () => {
    const who = { owner: os.userInfo().username, source: 'cli', remote_addr: os.hostname() };
    const trigger = await cli(['dags', 'trigger', 'logged', '--logical-date', '2022-03-01T05:00:00Z']);
    expect(trigger.code, trigger.err).toBe(0);
    // independent commands at once: each CLI start costs seconds on a busy machine
    const [pause, unpause, backfill, dry] = await Promise.all([
      cli(['dags', 'pause', 'logged']),
      cli(['dags', 'unpause', 'logged']),
      cli(['dags', 'backfill', 'logged', '-s', '2022-01-01', '-e', '2022-01-02', '--no-wait']),
      cli(['dags', 'backfill', 'logged', '-s', '2022-02-01', '-e', '2022-02-02', '--dry-run']),
    ]);
    for (const r of [pause, unpause, backfill, dry]) expect(r.code, r.err).toBe(0);

    const [t] = await eventsOf('trigger');
    expect(await eventsOf('trigger')).toHaveLength(1);
    expect(t).toMatchObject({ ...who, dag_id: 'logged', run_id: 'manual__2022-03-01T05:00:00+00:00' });
    expect(t?.logical_date?.toISOString()).toBe('2022-03-01T05:00:00.000Z');
    expect(await eventsOf('pause')).toMatchObject([{ ...who, dag_id: 'logged' }]);
    expect(await eventsOf('unpause')).toMatchObject([{ ...who, dag_id: 'logged' }]);
    // the dry run is not recorded: one backfill event, the real one
    const backfills = await eventsOf('backfill');
    expect(backfills).toHaveLength(1);
    expect(backfills[0]).toMatchObject({ ...who, dag_id: 'logged' });
    expect(backfills[0]?.extra).toMatchObject({ runs: 2, reprocess_behavior: 'none' });

    await insertTaskInstances(h.rt.db, [
      {
        dagId: 'logged',
        runId: 'manual__2022-03-01T05:00:00+00:00',
        taskId: 'only',
        maxTries: 1,
        pool: 'default_pool',
        poolSlots: 1,
      },
    ]);
    // a task instance that has not run (state none) has nothing to clear: make it a finished one
    await h.rt.db
      .updateTable('heatflow.task_instances')
      .set({ state: 'success' })
      .where('dag_id', '=', 'logged')
      .execute();
    const clear = await cli(['tasks', 'clear', 'logged', '-s', '2022-03-01', '-e', '2022-03-01', '--yes']);
    expect(clear.code, clear.err).toBe(0);
    expect(clear.out).toContain('1 task instance(s) cleared');
    const clears = await eventsOf('clear');
    expect(clears).toHaveLength(1);
    expect(clears[0]).toMatchObject({ ...who, dag_id: 'logged', extra: { cleared: 1, only_failed: false } });
  }, 900_000);
});
