import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defineDag, retryDelayMsFor } from '../../src/core/index.js';
import { decideAfterFailure } from '../../src/core/try-outcome.js';
import type { Task, TaskArgs } from '../../src/core/index.js';

function task(args: TaskArgs): Task {
  const dag = defineDag({
    dagId: 'retrying',
    schedule: null,
    startDate: '2022-01-01',
    tasks: [{ taskId: 'extract', command: ['true'], ...args }],
  });
  const t = dag.tasks.get('extract');
  if (t === undefined) throw new Error('task missing');
  return t;
}

const key = { dagId: 'retrying', logicalDate: new Date('2022-01-01T01:00:00Z') };

describe('retryDelayMsFor', () => {
  it('is the flat retryDelayMs without backoff (default 5 min)', () => {
    expect(retryDelayMsFor(task({}), 1)).toBe(300_000);
    expect(retryDelayMsFor(task({ retryDelayMs: 2_000 }), 7)).toBe(2_000);
  });

  it("follows Airflow's formula with backoff: [d·2^(n-1), 2·d·2^(n-1)) seconds, from a sha1 of the task instance", () => {
    const t = task({ retryDelayMs: 10_000, retryExponentialBackoff: true });
    for (let tryNumber = 1; tryNumber <= 6; tryNumber += 1) {
      const minBackoffS = 10 * 2 ** (tryNumber - 1);
      const hash = BigInt(
        `0x${createHash('sha1').update(`retrying#extract#2022-01-01T01:00:00.000Z#${tryNumber}`).digest('hex')}`,
      );
      const expectedS = minBackoffS + Number(hash % BigInt(minBackoffS));
      const delayMs = retryDelayMsFor(t, tryNumber, key);
      expect(delayMs).toBe(expectedS * 1000);
      expect(delayMs).toBeGreaterThanOrEqual(minBackoffS * 1000);
      expect(delayMs).toBeLessThan(2 * minBackoffS * 1000);
    }
  });

  it('is deterministic per task instance and try, and differs between task instances', () => {
    const t = task({ retryDelayMs: 60_000, retryExponentialBackoff: true });
    expect(retryDelayMsFor(t, 3, key)).toBe(retryDelayMsFor(t, 3, key));
    const delays = new Set(
      Array.from({ length: 20 }, (_, day) =>
        retryDelayMsFor(t, 3, { dagId: 'retrying', logicalDate: new Date(Date.UTC(2022, 0, day + 1, 1)) }),
      ),
    );
    expect(delays.size).toBeGreaterThan(1);
  });

  it('is capped by maxRetryDelayMs and by 24 h, even for huge try numbers', () => {
    const capped = task({ retryDelayMs: 60_000, retryExponentialBackoff: true, maxRetryDelayMs: 600_000 });
    expect(retryDelayMsFor(capped, 5, key)).toBe(600_000);
    expect(retryDelayMsFor(capped, 5000, key)).toBe(600_000);
    const uncapped = task({
      retryDelayMs: 60_000,
      retryExponentialBackoff: true,
      maxRetryDelayMs: 10 * 86_400_000,
    });
    expect(retryDelayMsFor(uncapped, 40, key)).toBe(86_400_000);
  });

  it('waits at least 1 s when the delay is 0 with backoff (Airflow)', () => {
    const zero = task({ retryDelayMs: 0, retryExponentialBackoff: true });
    expect(retryDelayMsFor(zero, 1, key)).toBeGreaterThanOrEqual(1000);
    expect(retryDelayMsFor(zero, 1, key)).toBeLessThan(2000);
  });
});

describe('decideAfterFailure', () => {
  const now = new Date('2022-03-01T00:00:00Z');
  const t = task({
    retries: 3,
    retryDelayMs: 30_000,
    retryExponentialBackoff: true,
    maxRetryDelayMs: 1_800_000,
  });
  const waitMs = (tryNumber: number, maxTries: number) => {
    const d = decideAfterFailure(t, tryNumber, maxTries, now, key);
    if (d.state !== 'up_for_retry') throw new Error(`try ${tryNumber} of ${maxTries}: ${d.state}`);
    return d.nextRetryAt.getTime() - now.getTime();
  };

  it('retries while the try number is within max_tries, then fails', () => {
    expect(decideAfterFailure(t, 3, 3, now, key).state).toBe('up_for_retry');
    expect(decideAfterFailure(t, 4, 3, now, key)).toEqual({ state: 'failed' });
    expect(decideAfterFailure(undefined, 1, 3, now, key)).toEqual({ state: 'failed' });
  });

  it('backs off by the tries since the last clear: a cleared day starts again from retryDelayMs', () => {
    // never cleared (max_tries = retries): tries 1, 2, 3 wait [30, 60), [60, 120), [120, 240) s
    expect(waitMs(1, 3)).toBeGreaterThanOrEqual(30_000);
    expect(waitMs(1, 3)).toBeLessThan(60_000);
    expect(waitMs(3, 3)).toBeGreaterThanOrEqual(120_000);
    // cleared after 4 tries (max_tries = 4 + 3): try 5 is the first of the new sequence
    expect(waitMs(5, 7)).toBeGreaterThanOrEqual(30_000);
    expect(waitMs(5, 7)).toBeLessThan(60_000);
    expect(waitMs(6, 7)).toBeGreaterThanOrEqual(60_000);
    expect(waitMs(6, 7)).toBeLessThan(120_000);
    // Airflow's whole-try_number exponent would have made try 5 wait [480, 960) s
    expect(retryDelayMsFor(t, 5, key)).toBeGreaterThanOrEqual(480_000);
  });
});
