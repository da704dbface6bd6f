/**
 * `heatflow jobs check` through the real CLI (a child process, from source) against real Redis:
 * exit 1 "No alive jobs found." with nothing running, exit 0 with a scheduler and a worker of this
 * process beating, filtered by --job-type and --hostname; bad --job-type exits 1.
 */
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';
import { runCli as runCliWith } from '../helpers/run-cli.js';

/** per test: one CLI start from source takes 30 s on a loaded machine */
const T = 400_000;
let h: TestOrchestrator;
const run = (args: string[]) => runCliWith(args, h.env, { timeoutMs: 200_000 });

beforeAll(async () => {
  h = await createTestOrchestrator('clijobs');
}, 120_000);
afterAll(async () => h.cleanup());

describe('heatflow jobs check', () => {
  it(
    'exits 1 with nothing alive, then 0 for a running scheduler and worker, by type and host',
    async () => {
      const none = await run(['jobs', 'check']);
      expect(none.code).toBe(1);
      expect(none.err.trim()).toBe('heatflow: No alive jobs found.');
      await h.startScheduler();
      const scheduler = await run(['jobs', 'check', '--job-type', 'scheduler', '--hostname', os.hostname()]);
      expect(scheduler.code, scheduler.err).toBe(0);
      expect(scheduler.out).toContain(`scheduler ${os.hostname()}-${process.pid} alive`);
      const noWorker = await run(['jobs', 'check', '--job-type', 'worker']);
      expect(noWorker.code).toBe(1);
      await h.startWorker();
      const worker = await run(['jobs', 'check', '--job-type', 'worker', '--limit', '5']);
      expect(worker.code, worker.err).toBe(0);
      expect(worker.out).toMatch(new RegExp(`^worker ${os.hostname()}-${process.pid}-[0-9a-f]+ alive`, 'm'));
      const otherHost = await run(['jobs', 'check', '--hostname', 'no-such-host']);
      expect(otherHost.code).toBe(1);
    },
    T,
  );

  it(
    'refuses an unknown --job-type with exit 1 naming the option',
    async () => {
      const r = await run(['jobs', 'check', '--job-type', 'triggerer']);
      expect(r.code).toBe(1);
      expect(r.err).toContain('--job-type must be scheduler or worker, got "triggerer"');
    },
    T,
  );
});
