import { describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../../src/executors/executor.js';
import { controlOutcome } from '../../src/worker/control-outcome.js';

const now = new Date('2026-12-03T09:00:00.000Z');
const result = (r: Partial<ExecutionResult>): ExecutionResult => ({
  outcome: 'failed',
  exitCode: 1,
  durationMs: 5,
  ...r,
});

describe('controlOutcome', () => {
  it('leaves ordinary outcomes to the worker', () => {
    for (const outcome of ['success', 'failed', 'skipped', 'timeout', 'aborted'] as const)
      expect(controlOutcome(result({ outcome }), 'extract', now, 7)).toBeUndefined();
  });

  it('fails a "do not retry" try at once, with its reason', () => {
    const c = controlOutcome(
      result({ outcome: 'failed_no_retry', exitCode: 98, error: 'exited with code 98; stderr: no token' }),
      'extract',
      now,
      7,
    );
    expect(c).toEqual({
      outcome: {
        tiState: 'failed',
        tryState: 'failed',
        exitCode: 98,
        error: 'exited with code 98; stderr: no token',
        durationMs: 7,
      },
      logLine:
        'failed, not retried (the task said retrying cannot help): exited with code 98; stderr: no token',
    });
  });

  it('reschedules until the asked date, granting the next try (no retry spent)', () => {
    const c = controlOutcome(
      result({
        outcome: 'reschedule',
        exitCode: 97,
        returnValue: { reschedule_at: '2026-12-03T10:30:00+01:00', reason: 'quota spent' },
      }),
      'extract',
      now,
      7,
    );
    expect(c).toEqual({
      outcome: {
        tiState: 'up_for_reschedule',
        tryState: 'up_for_reschedule',
        exitCode: 97,
        error: 'rescheduled until 2026-12-03T09:30:00.000Z: quota spent',
        nextRetryAt: new Date('2026-12-03T09:30:00.000Z'),
        extraTry: true,
        durationMs: 7,
      },
      logLine: 'rescheduled (no retry spent): quota spent; next try at 2026-12-03T09:30:00.000Z',
    });
  });

  it('moves a reschedule date in the past to now', () => {
    const c = controlOutcome(
      result({
        outcome: 'reschedule',
        exitCode: 97,
        returnValue: { reschedule_at: '2020-01-01T00:00:00Z', reason: 'r' },
      }),
      'extract',
      now,
      7,
    );
    expect(c !== undefined && 'outcome' in c ? c.outcome.nextRetryAt : undefined).toEqual(now);
  });

  it.each([
    [undefined, '(root)'],
    [{ reason: 'r' }, 'reschedule_at'],
    [{ reschedule_at: 'tomorrow', reason: 'r' }, 'reschedule_at'],
    [{ reschedule_at: '2026-12-03T10:00:00', reason: 'r' }, 'reschedule_at'],
    [{ reschedule_at: '2026-12-03T10:00:00Z', reason: '' }, 'reason'],
  ])('a malformed reschedule request %j is an ordinary failure naming %s', (returnValue, field) => {
    const c = controlOutcome(result({ outcome: 'reschedule', exitCode: 97, returnValue }), 'extract', now, 7);
    expect(c).toHaveProperty('retryableError');
    const error = (c as { retryableError: string }).retryableError;
    expect(error).toContain('task "extract"');
    expect(error).toContain(`HEATFLOW_XCOM_RETURN_PATH) holds no valid reschedule request: ${field}:`);
  });
});
