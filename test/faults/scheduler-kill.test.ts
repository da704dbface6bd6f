/**
 * Fault suite, issue 14: the real `heatflow scheduler` process (from the sources, through tsx)
 * SIGKILLed mid-backfill, once a run has succeeded and while runs are running
 * (`test/helpers/fault-backfill.ts`: 8 days of `extract >> load`, one worker with the process
 * executor):
 *
 * - killed, and a new scheduler started;
 * - killed again after the new one made progress, and restarted each time (twice; 5 times in the
 *   long variant, `HEATFLOW_FAULTS_LONG=1`);
 * - one of two schedulers killed: the other takes over, nothing restarted.
 *
 * A scheduler runs no task code, so its death must cost nothing: every case ends with the worker
 * and the surviving scheduler alive, every run `success` and created once, each task instance run
 * by exactly one try (none failed, none doubled: executions.log), exactly 24 rows a day.
 */
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { countRunsByState } from '../../src/db/dag-run-repository.js';
import {
  DAYS,
  expectCompleteAndExact,
  killChildren,
  longOr,
  spawnCli,
  startBackfill,
  writeDag,
} from '../helpers/fault-backfill.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

let h: TestOrchestrator | undefined;
let dagsDir: string | undefined;
afterEach(async () => {
  killChildren();
  await h?.cleanup().catch(() => undefined);
  h = undefined;
  if (dagsDir !== undefined) await rm(dagsDir, { recursive: true, force: true });
  dagsDir = undefined;
});

/** How far the backfill is: runs by state. */
async function progress(
  t: TestOrchestrator,
  backfillId: string,
): Promise<{ success: number; running: number }> {
  const c = await countRunsByState(t.rt.db, { backfillId });
  return { success: c.success ?? 0, running: c.running ?? 0 };
}

/**
 * Waits until more than `after` runs succeeded while some still run, then SIGKILLs `scheduler`.
 * @returns the runs by state at the kill
 * @throws when the backfill finished before that moment (the kill would prove nothing)
 */
async function killMidBackfill(
  t: TestOrchestrator,
  backfillId: string,
  scheduler: ChildProcess,
  after: number,
): Promise<{ success: number; running: number }> {
  const at = await waitFor(
    `more than ${after} runs to succeed while others run`,
    async () => {
      const p = await progress(t, backfillId);
      if (p.success >= DAYS) throw new Error(`the backfill finished before the kill (${JSON.stringify(p)})`);
      return p.success > after && p.running > 0 ? p : undefined;
    },
    60_000,
    25,
  );
  const exited = new Promise((r) => scheduler.once('exit', r));
  scheduler.kill('SIGKILL');
  await exited;
  return at;
}

/** What a scheduler's death must leave: the runs created once, one successful try a task instance. */
async function expectNoTryLost(
  t: TestOrchestrator,
  backfillId: string,
  procs: ChildProcess[],
): Promise<string> {
  const summary = await expectCompleteAndExact(t, backfillId, procs);
  const runs = await t.rt.db.selectFrom('heatflow.dag_runs').select(['run_id', 'logical_date']).execute();
  expect(runs).toHaveLength(DAYS);
  expect(new Set(runs.map((r) => r.logical_date.getTime())).size).toBe(DAYS);
  const tries = await t.rt.db
    .selectFrom('heatflow.task_tries')
    .select(['run_id', 'task_id', 'try_number', 'state', 'error'])
    .execute();
  // any try beyond the first, or not a success, with why (a bare count says nothing in a CI log)
  expect(
    tries
      .filter((x) => x.try_number !== 1 || x.state !== 'success')
      .map((x) => `${x.run_id}.${x.task_id} try ${x.try_number} ${x.state}: ${x.error ?? ''}`),
  ).toEqual([]);
  expect(tries).toHaveLength(DAYS * 2);
  return summary.text;
}

// a killed scheduler may have queued tries in Postgres whose jobs it never added: re-enqueued
// after this (the default, 2 min, would outlast the case)
const ENV = { HEATFLOW_LOG_LEVEL: 'error', HEATFLOW_QUEUED_TIMEOUT_MS: '3000' };
const TIMEOUT_MS = longOr(240_000, 600_000);

describe('the scheduler SIGKILLed mid-backfill', () => {
  it(
    'killed once and restarted: every run succeeds, one try a task, rows exact',
    async () => {
      const started = Date.now();
      dagsDir = await writeDag(1);
      h = await createTestOrchestrator('skill_once', { dagsDir, env: ENV });
      const t = h;
      const { scheduler, worker, backfillId } = await startBackfill(t);
      const at = await killMidBackfill(t, backfillId, scheduler, 0);
      const killedMs = Date.now() - started;
      const next = spawnCli(t, ['scheduler']);
      const text = await expectNoTryLost(t, backfillId, [next, worker]);
      process.stdout.write(
        `scheduler SIGKILLed at ${JSON.stringify(at)} after ${killedMs} ms, restarted; ${text}; ${Date.now() - started} ms in all\n`,
      );
    },
    TIMEOUT_MS,
  );

  it(
    `killed ${longOr(2, 5)} times, restarted each time after the last one made progress: every run succeeds, one try a task, rows exact`,
    async () => {
      const started = Date.now();
      dagsDir = await writeDag(1);
      h = await createTestOrchestrator('skill_again', { dagsDir, env: ENV });
      const t = h;
      const first = await startBackfill(t);
      const { worker, backfillId } = first;
      let scheduler = first.scheduler;
      // each kill once the previous one's successor has closed a run (only a scheduler does)
      const kills: { success: number; running: number; afterMs: number }[] = [];
      for (let i = 0; i < longOr(2, 5); i++) {
        const at = await killMidBackfill(t, backfillId, scheduler, kills.at(-1)?.success ?? 0);
        kills.push({ ...at, afterMs: Date.now() - started });
        scheduler = spawnCli(t, ['scheduler']);
      }
      const text = await expectNoTryLost(t, backfillId, [scheduler, worker]);
      process.stdout.write(
        `scheduler SIGKILLed ${kills.length} times at ${JSON.stringify(kills)}; ${text}; ${Date.now() - started} ms in all\n`,
      );
    },
    TIMEOUT_MS,
  );

  it(
    'one of two schedulers killed: the other takes over without a restart; every run succeeds, one try a task, rows exact',
    async () => {
      const started = Date.now();
      dagsDir = await writeDag(1);
      h = await createTestOrchestrator('skill_pair', { dagsDir, env: ENV });
      const t = h;
      const { processes, worker, backfillId } = await startBackfill(t, { schedulers: 2 });
      const [killed, survivor] = processes;
      if (killed === undefined || survivor === undefined || survivor === worker)
        throw new Error('two schedulers expected');
      const at = await killMidBackfill(t, backfillId, killed, 0);
      const killedMs = Date.now() - started;
      const text = await expectNoTryLost(t, backfillId, [survivor, worker]);
      process.stdout.write(
        `one of two schedulers SIGKILLed at ${JSON.stringify(at)} after ${killedMs} ms, none restarted; ${text}; ${Date.now() - started} ms in all\n`,
      );
    },
    TIMEOUT_MS,
  );
});
