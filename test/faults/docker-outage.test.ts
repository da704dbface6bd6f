/**
 * Fault suite: the Docker engine down for longer than the DAG's retries × retry delay (retries
 * 1, retry delay 300 ms, 20 s down) during a Docker-executor backfill. A private dockerd
 * (test/helpers/private-dockerd.ts; the shared engine is never stopped) is stopped as `systemctl
 * stop docker` does (SIGTERM: it stops its containers and exits) and started again 20 s later;
 * scheduler and worker run as separate processes (test/helpers/fault-backfill.ts).
 *
 * Expected: the worker notices the engine is gone, logs it once (naming DOCKER_HOST), stops taking
 * tries until the engine answers a ping, then logs once that it is back and goes on. The tries the
 * outage cut (their container stopped by the engine's shutdown, or not created) cost no retry and
 * do not pile up; every run ends `success` with exactly 24 rows a day, and no container is left.
 */
import { rm } from 'node:fs/promises';
import Dockerode from 'dockerode';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dockerBackfillEnv, dockerDataDir } from '../helpers/docker-fault-setup.js';
import { ensureTaskImage } from '../helpers/docker-image.js';
import {
  children,
  expectCompleteAndExact,
  killChildren,
  startBackfill,
  successes,
  writeDag,
} from '../helpers/fault-backfill.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';
import { startPrivateDockerd, type PrivateDockerd } from '../helpers/private-dockerd.js';

let image: string;
let h: TestOrchestrator | undefined;
let engine: PrivateDockerd | undefined;
const dirs: string[] = [];

/** how long the engine stays down, in ms: far over retries (1) × retry delay (300 ms) */
const OUTAGE_MS = 20_000;
/** the DAG's retries */
const RETRIES = 1;

beforeAll(async () => {
  image = await ensureTaskImage(new Dockerode());
}, 25 * 60_000);

afterEach(async () => {
  killChildren();
  await h?.cleanup().catch(() => undefined);
  h = undefined;
  await engine?.destroy();
  engine = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/**
 * Errors of a try the outage cut before its program ran its first line: the engine was gone when
 * the try asked for its container, or refused it while shutting down, or stopped the container
 * it had just started (see docker-restart.test.ts).
 */
const NOT_STARTED =
  /Docker daemon unreachable at .* during|Docker start container failed|container exited with code 143/;

describe('Docker engine down for longer than retries × retry delay', () => {
  it('costs no retry, tries do not pile up, every run succeeds, rows exact', async () => {
    engine = await startPrivateDockerd();
    const e = engine;
    await e.loadImage(image);
    const { dataDir, scripts } = await dockerDataDir('dockeroutage');
    dirs.push(dataDir);
    const dagsDir = await writeDag(2, scripts, RETRIES);
    dirs.push(dagsDir);
    h = await createTestOrchestrator('docker_outage', {
      dagsDir,
      env: dockerBackfillEnv(e.host, image, dataDir),
    });
    const t = h;
    const { scheduler, worker, backfillId } = await startBackfill(t);
    await waitFor(
      'a first run to succeed',
      async () => (((await successes(t, backfillId)) ?? 0) >= 1 ? true : undefined),
      120_000,
    );
    await waitFor(
      'a load try to be running in a container',
      async () => {
        const running = await t.rt.db
          .selectFrom('heatflow.task_tries')
          .select('try_number')
          .where('task_id', '=', 'load')
          .where('state', '=', 'running')
          .executeTakeFirst();
        if (running === undefined) return undefined;
        return (await e.docker.listContainers()).length > 0 ? true : undefined;
      },
      60_000,
      50,
    );
    const before = (await successes(t, backfillId)) ?? 0;
    const runningAtStop = (await e.docker.listContainers()).length;
    const t0 = Date.now();
    await e.stop();
    const stoppedMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const triesDuringOutage = await t.rt.db
      .selectFrom('heatflow.task_tries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', '=', 'failed')
      .executeTakeFirstOrThrow();
    await e.start();
    const downMs = Date.now() - t0;
    const dump = async () => {
      const tis = await t.rt.db
        .selectFrom('heatflow.task_instances')
        .select(['run_id', 'task_id', 'state', 'try_number', 'max_tries'])
        .orderBy('run_id')
        .orderBy('task_id')
        .execute();
      const failed = await t.rt.db
        .selectFrom('heatflow.task_tries')
        .select(['run_id', 'task_id', 'try_number', 'error'])
        .where('state', '!=', 'success')
        .orderBy('start_date')
        .execute();
      return { tis, failed };
    };
    const summary = await expectCompleteAndExact(t, backfillId, [scheduler, worker], {
      notStarted: NOT_STARTED,
    }).catch(async (err: unknown) => {
      const { tis, failed } = await dump();
      process.stdout.write(
        `after ${before} runs, ${runningAtStop} containers running, down ${downMs} ms (stop took ${stoppedMs} ms), ${Number(triesDuringOutage.n)} failed tries during the outage\n` +
          `task instances:\n${tis.map((x) => JSON.stringify(x)).join('\n')}\n` +
          `tries not successful (${failed.length}):\n${failed.map((x) => JSON.stringify({ ...x, error: (x.error ?? '').slice(0, 140) })).join('\n')}\n`,
      );
      throw err;
    });
    const { tis, failed } = await dump();
    const kinds = new Map<string, number>();
    for (const f of failed) {
      const k = (f.error ?? '')
        .replace(/[0-9a-f]{12,}/g, '…')
        .replace(`DOCKER_HOST=${e.host}`, 'DOCKER_HOST')
        .slice(0, 200);
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    process.stdout.write(
      `engine stopped after ${before} runs, ${runningAtStop} containers running; stop took ${stoppedMs} ms, down ${downMs} ms; ` +
        `${Number(triesDuringOutage.n)} failed tries by the outage's end; ${summary.text}\n` +
        `task instances (try_number/max_tries): ${tis.map((x) => `${x.run_id.slice(10, 20)}.${x.task_id}=${x.try_number}/${x.max_tries}`).join(' ')}\n` +
        `failed tries by error: ${[...kinds].map(([k, n]) => `${n} × ${k}`).join(' | ')}\n`,
    );
    expect(before).toBeLessThan(8);
    expect(runningAtStop).toBeGreaterThan(0);
    // no retry spent on the outage: every failed try granted its own replacement (max_tries + 1)
    for (const ti of tis)
      expect({
        ti: `${ti.run_id}.${ti.task_id}`,
        spent: ti.try_number - 1 - (ti.max_tries - RETRIES),
      }).toEqual({ ti: `${ti.run_id}.${ti.task_id}`, spent: 0 });
    // no pile-up: the worker stopped taking tries while the engine was down, so a task instance
    // has one try cut by the outage (its container stopped, or not created), two at the most: a
    // CI run of 2026-12-04 saw one task instance with two cut tries (no retry spent), cause not
    // pinned down; the likeliest, a ping answered by the engine while it shut down, is closed
    // since (resuming needs ANSWERS_TO_RESUME answers in a row). The old code reached try 35.
    for (const ti of tis) expect(ti.try_number, `${ti.run_id}.${ti.task_id}`).toBeLessThanOrEqual(3);
    // the worker said once that the engine was gone and once that it was back, naming it
    const stderr = children.map((c) => c.stderr()).join('\n');
    const down = stderr.split('\n').filter((l) => l.includes('Docker engine unreachable'));
    const back = stderr.split('\n').filter((l) => l.includes('Docker engine answers again'));
    expect({ down: down.length, back: back.length }).toEqual({ down: 1, back: 1 });
    expect(down[0]).toContain(e.host);
    await waitFor(
      'no container left on the engine',
      async () => ((await e.docker.listContainers({ all: true })).length === 0 ? true : undefined),
      30_000,
    );
  }, 300_000);
});
