/**
 * `heatflow demo` leaves the DAGs' paused flags as it found them, however it ends: options it
 * rejects are rejected before it pauses anything, and an error after pausing (a port in use), a
 * Ctrl-C, or a finished demo put the flags back. Run as users run it (a child process, from
 * source) on the shipped DAG folder against real Postgres and Redis; the finished demo needs the
 * task programs of `npm run build` (dist/tasks).
 */
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pausedAfterDemo } from '../../src/cli/demo-pause-state.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { setDagPaused } from '../../src/db/dag-repository.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';
import { runCli, type RunCliOptions } from '../helpers/run-cli.js';

let h: TestOrchestrator;
const demo = (args: string[], env: Record<string, string> = {}, onStderr?: RunCliOptions['onStderr']) =>
  runCli(
    ['demo', ...args],
    { ...h.env, ...env },
    {
      timeoutMs: 170_000,
      ...(onStderr === undefined ? {} : { onStderr }),
    },
  );
const flags = async () =>
  Object.fromEntries(
    (
      await h.rt.db.selectFrom('heatflow.dags').select(['dag_id', 'is_paused']).orderBy('dag_id').execute()
    ).map((r) => [r.dag_id, r.is_paused]),
  );
/** The user's own settings, the opposite of what the demo sets while it runs. */
const USER_FLAGS = { heating_analytics: true, tado_etl: false };

beforeAll(async () => {
  h = await createTestOrchestrator('demopause', { dagsDir: path.resolve('dags') });
  await syncDagBag(h.rt.db, await h.rt.registry.refresh(), new Date());
}, 120_000);
beforeEach(async () => {
  await setDagPaused(h.rt.db, 'tado_etl', USER_FLAGS.tado_etl);
  await setDagPaused(h.rt.db, 'heating_analytics', USER_FLAGS.heating_analytics);
});
afterAll(async () => h.cleanup());

describe('pausedAfterDemo', () => {
  it('gives back the flag a DAG had; a new DAG gets its creation flag, the backfilled one stays paused', () => {
    expect(pausedAfterDemo({ before: false, created: true, backfilled: true })).toBe(false);
    expect(pausedAfterDemo({ before: true, created: false, backfilled: false })).toBe(true);
    expect(pausedAfterDemo({ before: undefined, created: false, backfilled: false })).toBe(false);
    expect(pausedAfterDemo({ before: undefined, created: false, backfilled: true })).toBe(true);
  });
});

describe('heatflow demo and the paused flags', () => {
  it('rejected options change nothing: checked before the demo pauses anything', async () => {
    for (const [args, message] of [
      [['--max-active-runs', '0'], '--max-active-runs must be a positive integer, got "0"'],
      [['--concurrency', 'four'], '--concurrency must be a positive integer, got "four"'],
      [['-s', '2022-01-01', '-e', '2022-13-01'], '--end-date: invalid date "2022-13-01"'],
      // the backfill's own range checks run before anything is paused (a dry run)
      [['-s', '2022-03-01', '-e', '9999-12-31'], 'is in the future'],
      [['-s', '2022-03-05', '-e', '2022-03-01'], '--end-date 2022-03-01 is before'],
    ] as const) {
      const r = await demo([...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err, args.join(' ')).toContain(message);
      expect(await flags(), args.join(' ')).toEqual(USER_FLAGS);
    }
    expect(await h.rt.db.selectFrom('heatflow.dag_runs').select('run_id').execute()).toEqual([]);
    // nothing paused and put back either: no pause / unpause / backfill in the event log
    expect(await h.rt.db.selectFrom('heatflow.log').select('event').execute()).toEqual([]);
  }, 180_000);

  it('an error after pausing (--serve on a port in use) puts the flags back', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const r = await demo(['-s', '2022-12-01', '-e', '2022-12-01', '--serve'], {
        HEATFLOW_WEB_PORT: String(port),
      });
      expect(r.code).toBe(1);
      expect(r.err).toContain(`--serve: port ${port} (HEATFLOW_WEB_PORT) is in use`);
      expect(r.err).toContain('demo: tado_etl unpaused again, as before the demo');
      expect(r.err).not.toContain('heating_analytics unpaused');
      expect(await flags()).toEqual(USER_FLAGS);
    } finally {
      busy.close();
    }
  }, 60_000);

  it('Ctrl-C puts the flags back', async () => {
    let sent = false;
    const r = await demo(['-s', '2022-03-01', '-e', '2022-03-05'], {}, (soFar, kill) => {
      if (!sent && soFar.includes('demo: simulator at')) {
        sent = true;
        kill('SIGINT');
      }
    });
    expect(sent, r.err).toBe(true);
    expect(r.code, r.err).toBe(130);
    expect(r.err).toContain('demo: interrupted (SIGINT)');
    expect(r.err).toContain('demo: tado_etl unpaused again, as before the demo');
    expect(await flags()).toEqual(USER_FLAGS);
  }, 120_000);

  it('a finished demo puts the flags back (heating_analytics paused again after its run)', async () => {
    const r = await demo(['-s', '2022-12-06', '-e', '2022-12-06', '--json']);
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out) as {
      runs: Record<string, number>;
      heating_analytics: { runs: Record<string, number> } | null;
    };
    expect(summary.runs).toEqual({ success: 1 });
    expect(summary.heating_analytics?.runs).toEqual({ success: 1 });
    expect(r.err).toContain('demo: tado_etl unpaused again, as before the demo');
    expect(r.err).toContain('demo: heating_analytics paused again, as before the demo');
    expect(await flags()).toEqual(USER_FLAGS);
  }, 180_000);
});
