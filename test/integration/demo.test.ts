/**
 * `heatflow demo` as a user runs it (built CLI, child process) on a short range, against a
 * throwaway database: it migrates, starts the simulator, scheduler and worker, backfills, prints a
 * JSON summary and exits 0.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

let h: TestOrchestrator;
beforeAll(async () => {
  h = await createTestOrchestrator('demo', { dagsDir: path.resolve('dags') });
});
afterAll(async () => h.cleanup());

it('demo -s 2022-12-06 -e 2022-12-08 --json prints runs, rows per table and wall time', async () => {
  const { code, out, err } = await new Promise<{ code: number | null; out: string; err: string }>(
    (resolve) => {
      const child = spawn(
        process.execPath,
        [path.resolve('dist/src/cli/main.js'), 'demo', '-s', '2022-12-06', '-e', '2022-12-08', '--json'],
        {
          env: h.env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let o = '';
      let e = '';
      child.stdout.on('data', (c: Buffer) => (o += c.toString()));
      child.stderr.on('data', (c: Buffer) => (e += c.toString()));
      child.on('close', (c) => resolve({ code: c, out: o, err: e }));
    },
  );
  expect(code, err).toBe(0);
  const summary = JSON.parse(out) as {
    runs: Record<string, number>;
    rows: Record<string, number>;
    wall_time_s: number;
    executor: string;
  };
  expect(summary.runs).toEqual({ success: 3 });
  expect(summary.executor).toBe('process');
  expect(summary.rows.days).toBe(12); // four heating zones (one created mid-2022) x 3 days
  expect(summary.rows.interior).toBe(4 * (72 * 4 + 3));
  expect(summary.wall_time_s).toBeGreaterThan(0);
}, 180_000);
