import { describe, expect, it } from 'vitest';
import {
  environNamesTry,
  processGroupOfStat,
  processStateOfStat,
} from '../../src/executors/process-groups.js';

const t = {
  dagId: 'tado_etl',
  runId: 'backfill__2022-01-01T01:00:00+00:00',
  taskId: 'extract',
  tryNumber: 2,
};

describe('reading /proc for a try left by a dead worker', () => {
  it('reads the state and process group of a stat line, whatever the command name holds', () => {
    // pid (comm) state ppid pgrp session …, proc(5)
    expect(processGroupOfStat('4242 (node) S 1 4242 4242 0 -1 4194560 1234')).toBe(4242);
    expect(processStateOfStat('4242 (node) S 1 4242 4242 0 -1')).toBe('S');
    const odd = '77 (a) b (c) Z 1 4242 4242 0';
    expect(processGroupOfStat(odd)).toBe(4242);
    expect(processStateOfStat(odd)).toBe('Z');
    expect(processGroupOfStat('garbage')).toBeUndefined();
    expect(processStateOfStat('garbage')).toBeUndefined();
  });

  it('matches an environment only when it names the very try', () => {
    const env = [
      'PATH=/usr/bin',
      'HEATFLOW_DAG_ID=tado_etl',
      `HEATFLOW_RUN_ID=${t.runId}`,
      'HEATFLOW_TASK_ID=extract',
      'HEATFLOW_TRY_NUMBER=2',
      '',
    ].join('\0');
    expect(environNamesTry(env, t)).toBe(true);
    expect(environNamesTry(env, { ...t, tryNumber: 3 })).toBe(false);
    expect(environNamesTry(env, { ...t, taskId: 'load' })).toBe(false);
    expect(environNamesTry(env.replace('HEATFLOW_DAG_ID=tado_etl', 'HEATFLOW_DAG_ID=tado_etl2'), t)).toBe(
      false,
    );
    expect(environNamesTry('PATH=/usr/bin\0', t)).toBe(false);
  });
});
