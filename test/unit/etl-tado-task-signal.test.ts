import { describe, expect, it } from 'vitest';
import { DEFAULT_QUOTA_RESCHEDULE_MS, tadoTaskSignal } from '../../src/etl/tado-task-signal.js';
import { TadoApiError, TadoAuthError, TadoNetworkError, TadoRateLimitError } from '../../src/tado/errors.js';
import { FailTask, RescheduleTask } from '../../src/task-sdk/index.js';

const now = new Date('2026-12-03T09:00:00.000Z');
const refill = new Date('2026-12-03T09:21:40.000Z');

describe('tadoTaskSignal', () => {
  it('reschedules a spent quota until its refill', () => {
    const err = new TadoRateLimitError('HTTP 429, quota spent', 100, 0, refill, 429);
    const s = tadoTaskSignal(err, now);
    expect(s).toBeInstanceOf(RescheduleTask);
    expect((s as RescheduleTask).rescheduleAt).toEqual(refill);
    expect((s as RescheduleTask).message).toBe('HTTP 429, quota spent');
    expect((s as RescheduleTask).cause).toBe(err);
  });

  it('without a refill time uses when the client will check again, else an hour', () => {
    const recheck = new Date('2026-12-03T09:40:00.000Z');
    const withRecheck = new TadoRateLimitError('reserve', 100, 5, undefined, undefined, recheck);
    expect((tadoTaskSignal(withRecheck, now) as RescheduleTask).rescheduleAt).toEqual(recheck);
    const bare = new TadoRateLimitError('429', undefined, undefined, undefined, 429);
    expect((tadoTaskSignal(bare, now) as RescheduleTask).rescheduleAt).toEqual(
      new Date(now.getTime() + DEFAULT_QUOTA_RESCHEDULE_MS),
    );
  });

  it('fails a dead sign-in without retries, with the login hint', () => {
    const noFile = new TadoAuthError(
      'no tado token file at /x; run `heatflow tado login` to sign in',
      'not_logged_in',
    );
    const s = tadoTaskSignal(noFile, now);
    expect(s).toBeInstanceOf(FailTask);
    expect((s as FailTask).message).toBe(
      'tado sign-in failed (not_logged_in), retrying cannot help: no tado token file at /x; run `heatflow tado login` to sign in',
    );
    const other = tadoTaskSignal(new TadoAuthError('refused', 'invalid_grant', 'invalid_grant'), now);
    expect((other as FailTask).message).toBe(
      'tado sign-in failed (invalid_grant), retrying cannot help: refused; run `heatflow tado login`',
    );
  });

  it('leaves every other error alone (retried per the task retries)', () => {
    const errors = [
      new TadoNetworkError('timeout', 'GET /me', 'ETIMEDOUT'),
      new TadoApiError('HTTP 503', 503, undefined, undefined, 'GET /me', { retryable: true }),
      new Error('disk full'),
    ];
    for (const e of errors) expect(tadoTaskSignal(e, now)).toBe(e);
  });
});
