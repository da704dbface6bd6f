import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { guardPool, isConnectionError, retryOnConnectionError } from '../../src/db/pool-errors.js';
import type pg from 'pg';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isConnectionError', () => {
  it('recognises lost and refused connections', () => {
    expect(isConnectionError(withCode('terminating connection due to administrator command', '57P01'))).toBe(
      true,
    );
    expect(isConnectionError(withCode('the database system is starting up', '57P03'))).toBe(true);
    expect(isConnectionError(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    expect(isConnectionError(withCode('connection failure', '08006'))).toBe(true);
    expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
  });
  it('leaves statement errors alone', () => {
    expect(isConnectionError(withCode('duplicate key value violates unique constraint', '23505'))).toBe(
      false,
    );
    expect(isConnectionError(withCode('canceling statement due to user request', '57014'))).toBe(false);
    expect(isConnectionError(new Error('syntax error'))).toBe(false);
    expect(isConnectionError('Connection terminated')).toBe(false);
  });
});

describe('retryOnConnectionError', () => {
  it('repeats after lost connections with a doubling wait, then returns the value', async () => {
    let calls = 0;
    const waits: number[] = [];
    const v = await retryOnConnectionError(
      () => {
        calls++;
        return calls < 3
          ? Promise.reject(new Error('Connection terminated unexpectedly'))
          : Promise.resolve('ok');
      },
      { baseDelayMs: 1, onRetry: (_e, _a, ms) => waits.push(ms) },
    );
    expect(v).toBe('ok');
    expect(calls).toBe(3);
    expect(waits).toEqual([1, 2]);
  });
  it('throws other errors at once, and the last error after the last attempt', async () => {
    let calls = 0;
    await expect(
      retryOnConnectionError(() => {
        calls++;
        return Promise.reject(withCode('duplicate key', '23505'));
      }),
    ).rejects.toThrow('duplicate key');
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      retryOnConnectionError(
        () => {
          calls++;
          return Promise.reject(withCode(`lost ${calls}`, '57P01'));
        },
        { attempts: 3, baseDelayMs: 1 },
      ),
    ).rejects.toThrow('lost 3');
    expect(calls).toBe(3);
  });
});

describe('guardPool', () => {
  it('listens for errors on the pool and on every client it connects, so none is unhandled', () => {
    const pool = new EventEmitter() as unknown as pg.Pool;
    const seen: string[] = [];
    guardPool(pool, (e) => seen.push(e.message));
    const client = new EventEmitter();
    (pool as unknown as EventEmitter).emit('connect', client);
    // without listeners these emits would throw (Node's "Unhandled 'error' event")
    (pool as unknown as EventEmitter).emit('error', new Error('idle lost'));
    client.emit('error', new Error('checked-out lost'));
    expect(seen).toEqual(['idle lost', 'checked-out lost']);
  });
});
