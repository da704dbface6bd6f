/**
 * A test-only fault hook (issue 14's fault suite, `test/faults/worker-kill-phases.test.ts`): with
 * `HEATFLOW_TEST_PAUSE_AT=<phase>` in its environment, a worker that reaches that phase of a try
 * writes the file named by `HEATFLOW_TEST_PAUSE_FILE` (JSON: the phase and the try) and then waits
 * forever, so that a test can SIGKILL it at exactly that point. Inert (one environment read) unless
 * the variable is set; never set it in production.
 *
 * Phases, in a try's order:
 * - `claimed`: the try is claimed (`running` under this worker's lease); the child has not started;
 * - `exited`: the child has exited; its outcome is not yet recorded;
 * - `xcom-pushed`: the return value is pushed to Redis inside the lease fence; the transaction
 *   that records the outcome is not yet committed;
 * - `finished`: the outcome is recorded (committed); the `ti_finished` event is not yet published.
 */
import { rename, writeFile } from 'node:fs/promises';

/** The phases a worker can be paused at. */
export type TestPausePhase = 'claimed' | 'exited' | 'xcom-pushed' | 'finished';

/** Pauses for good at `phase` when `HEATFLOW_TEST_PAUSE_AT` names it; else returns at once. */
export async function testPause(phase: TestPausePhase, detail: Record<string, unknown>): Promise<void> {
  if (process.env.HEATFLOW_TEST_PAUSE_AT !== phase) return;
  const file = process.env.HEATFLOW_TEST_PAUSE_FILE;
  if (file !== undefined && file !== '') {
    // whole or absent for the test that waits for it
    await writeFile(`${file}.tmp`, JSON.stringify({ phase, pid: process.pid, ...detail }));
    await rename(`${file}.tmp`, file);
  }
  await new Promise<never>(() => undefined);
}
