/**
 * Issue 15 §3 end to end: the tado simulator's home says its time zone is America/New_York while
 * its day reports are computed in Europe/London (a home whose configured zone is wrong). The
 * compiled extract program, run as the DAG runs it, fails at once with exit 98 (not retried, as
 * FailTask) and names the time zone the reports' window implies and the configured one, instead of
 * calling the report "cut short" and retrying the same fetch.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTadoSimulator, type TadoSimulator } from '../../src/tado/simulator/tado-simulator.js';
import { runTaskProgram } from '../helpers/run-task-program.js';

let sim: TadoSimulator;
let tmp: string;
let env: Record<string, string>;

beforeAll(async () => {
  sim = await startTadoSimulator({ seed: 1, advertisedTimeZone: 'America/New_York' });
  tmp = await mkdtemp(path.join(tmpdir(), 'hf-tz-mismatch-'));
  const tokenFile = path.join(tmp, 'tado-token.json');
  await writeFile(tokenFile, JSON.stringify({ refresh_token: sim.issueRefreshToken() }), { mode: 0o600 });
  env = {
    TADO_API_URL: sim.apiUrl,
    TADO_AUTH_URL: sim.authUrl,
    TADO_TOKEN_FILE: tokenFile,
    TADO_REQUEST_DELAY_MS: '0',
    TADO_REQUEST_JITTER_MS: '0',
  };
});
afterAll(async () => {
  await sim?.close();
  await rm(tmp, { recursive: true, force: true });
});

it('extract fails at once with exit 98 naming the implied and the configured time zone', async () => {
  const run = await runTaskProgram({
    taskId: 'extract',
    ds: '2022-06-15',
    runDir: path.join(tmp, 'run'),
    upstream: {},
    env,
  });
  expect(run.exitCode, run.stderr).toBe(98);
  // the reports are London's (UTC+01:00 in June); the home says New York (UTC−04:00)
  expect(run.stderr).toContain("the report's window is that of a home on UTC+01:00");
  expect(run.stderr).toContain('but the configured time zone is America/New_York (UTC−04:00');
  expect(run.stderr).toContain('a configuration/window mismatch, not a report cut short');
  expect(run.stderr).toContain('[not retried: DAY_REPORT_INVALID, time zone/window mismatch]');
  expect(run.returnValue).toBeUndefined();
}, 120_000);
