/**
 * `heatflow assets list|events` and the asset lines of `dags list|show`, run as users run the
 * command (a child process) against real Postgres and Redis. The CLI runs from source through
 * tsx (`node --import tsx src/cli/main.ts`), so this file needs no build. The fixture pair is
 * test/fixtures/dags/assets/; the producer's successes are recorded as the worker records them.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRunId } from '../../src/core/run-id.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { insertQueuedRuns, setRunState } from '../../src/db/dag-run-repository.js';
import { claimTry, finishTry, insertTaskInstances, queueTis } from '../../src/db/task-instance-repository.js';
import { createAssetTriggeredRun } from '../../src/scheduler/asset-triggered-run.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const CLI = path.resolve('src/cli/main.ts');
let h: TestOrchestrator;
let consumerRunId = '';

const run = (args: string[]) =>
  new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: h.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });

const runIdOf = (i: number) => makeRunId('backfill', new Date(Date.UTC(2022, 0, 1 + i)));

beforeAll(async () => {
  h = await createTestOrchestrator('cliassets', { dagsDir: path.resolve('test/fixtures/dags/assets') });
}, 120_000);
afterAll(async () => h.cleanup());

/** Two successful `publish` tries of the producer; the consumer's run consumes the first. */
async function produceTwoEvents(): Promise<void> {
  const db = h.rt.db;
  await syncDagBag(db, await h.rt.registry.refresh(), new Date());
  for (let i = 0; i < 2; i++) {
    const runId = runIdOf(i);
    const start = new Date(Date.UTC(2022, 0, 1 + i));
    await insertQueuedRuns(
      db,
      [
        {
          dagId: 'asset_producer',
          runId,
          runType: 'backfill',
          logicalDate: start,
          dataIntervalStart: start,
          dataIntervalEnd: new Date(start.getTime() + 86_400_000),
        },
      ],
      new Date(),
    );
    await setRunState(db, 'asset_producer', runId, 'running', new Date());
    await insertTaskInstances(db, [
      { dagId: 'asset_producer', runId, taskId: 'publish', maxTries: 1, pool: 'default_pool', poolSlots: 1 },
    ]);
    const t = { dagId: 'asset_producer', runId, taskId: 'publish', tryNumber: 1, leaseToken: `t${i}` };
    await db.transaction().execute((trx) => queueTis(trx, [t], 'process', new Date()));
    await claimTry(db, t, { workerId: 'w', hostname: 'h', logPath: '/dev/null' }, new Date());
    await finishTry(
      db,
      t,
      { tiState: 'success', tryState: 'success', exitCode: 0, durationMs: 3, recordAssetEvents: true },
      new Date(Date.UTC(2022, 0, 2 + i, 1)),
    );
    if (i === 0)
      consumerRunId = (await createAssetTriggeredRun(db, 'asset_consumer', new Date()))?.runId ?? '';
  }
}

describe('heatflow assets', () => {
  it('assets list before any event; dags list and show name the asset schedule and the outlets', async () => {
    const list = await run(['assets', 'list']);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toBe(
      [
        'fixture://warehouse',
        '  produced by: asset_producer.publish',
        '  consumed by: asset_consumer (0 pending)',
        '  events: 0, latest -',
        '',
      ].join('\n'),
    );
    const dags = await run(['dags', 'list']);
    expect(dags.out).toMatch(/asset_consumer\s+on asset fixture:\/\/warehouse\s+active/);
    expect(dags.out).toMatch(/asset_producer\s+@daily\s+paused/);
    const show = await run(['dags', 'show', 'asset_producer']);
    expect(show.out).toMatch(/publish {2}<- \[extract\] .* outlets=\[fixture:\/\/warehouse\]/);
    expect((await run(['dags', 'show', 'asset_consumer'])).out).toContain(
      'schedule: on asset fixture://warehouse (UTC)',
    );
  }, 60_000);

  it('assets list and events after two producer successes, as text and JSON, with filters and bad options', async () => {
    await produceTwoEvents();
    const list = await run(['assets', 'list', '--json']);
    expect(list.code, list.err).toBe(0);
    const assets = (JSON.parse(list.out) as { assets: Record<string, unknown>[] }).assets;
    expect(assets).toHaveLength(1);
    expect(assets[0]).toMatchObject({
      uri: 'fixture://warehouse',
      extra: { owner: 'tests' },
      event_count: 2,
      pending: { asset_consumer: 1 },
    });

    const text = await run(['assets', 'events']);
    expect(text.code, text.err).toBe(0);
    const lines = text.out.trim().split('\n');
    expect(lines).toEqual([
      `2022-01-03T01:00:00.000Z  fixture://warehouse  from asset_producer.publish ${runIdOf(1)} try 1`,
      '  data interval 2022-01-02T00:00:00.000Z .. 2022-01-03T00:00:00.000Z',
      '  triggered: nothing yet',
      `2022-01-02T01:00:00.000Z  fixture://warehouse  from asset_producer.publish ${runIdOf(0)} try 1`,
      '  data interval 2022-01-01T00:00:00.000Z .. 2022-01-02T00:00:00.000Z',
      `  triggered: asset_consumer ${consumerRunId} (queued)`,
    ]);

    const one = await run(['assets', 'events', '--asset', 'FIXTURE://warehouse', '--limit', '1', '--json']);
    const body = JSON.parse(one.out) as { asset_events: Record<string, unknown>[]; total_entries: number };
    expect(body.total_entries).toBe(2);
    expect(body.asset_events.map((e) => e.source_run_id)).toEqual([runIdOf(1)]);
    expect((await run(['assets', 'events', '--limit', '1'])).out).toContain('(1 of 2; --limit for more)');
    expect((await run(['assets', 'events', '--dag', 'asset_consumer'])).out).toBe('no asset event\n');
    const unknown = await run(['assets', 'events', '--asset', 'other://x']);
    expect(unknown.code).toBe(1);
    expect(unknown.err.trim()).toBe(
      'heatflow: --asset other://x: unknown asset; known assets: fixture://warehouse',
    );

    const bad = await run(['assets', 'events', '--asset', 'warehouse']);
    expect(bad.code).toBe(1);
    expect(bad.err.trim()).toMatch(/^heatflow: --asset: "warehouse" must have the form scheme:\/\//);
    const badLimit = await run(['assets', 'events', '--limit', '0']);
    expect(badLimit.code).toBe(1);
    expect(badLimit.err).toContain('--limit must be a positive integer');
  }, 120_000);
});
