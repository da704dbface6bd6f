/**
 * XCom store in Redis. Key: `<prefix>:xcom:{dag_id}:{run_id}:{task_id}:{key}`, value: JSON, with a
 * TTL. Only workers write XComs (task containers need no Redis credentials). Values over the size
 * cap are refused at push with an error naming the task and the size (Airflow #9299, #48852 failed
 * late instead).
 */
import type { Redis } from 'ioredis';
import { XComTooLargeError } from '../core/errors.js';

/** The default XCom key of a task's return value (Airflow's). */
export const RETURN_VALUE_KEY = 'return_value';

/** Options of {@link XComStore}. */
export interface XComStoreOptions {
  /** Redis key prefix; `@defaultValue 'heatflow'` */
  prefix?: string;
  /** size cap of one value's JSON, in bytes; `@defaultValue 49152` (48 KiB) */
  maxBytes?: number;
  /** time to live, in seconds; `@defaultValue 2592000` (30 days) */
  ttlSeconds?: number;
}

/** Identifies a task instance. */
export interface TiKey {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
}

/** One stored XCom. */
export interface XComEntry {
  readonly key: string;
  readonly value: unknown;
}

const globEscape = (s: string): string => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/** Reads and writes XComs. */
export class XComStore {
  private readonly prefix: string;
  readonly maxBytes: number;
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: Redis,
    options: XComStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? 'heatflow';
    this.maxBytes = options.maxBytes ?? 48 * 1024;
    this.ttlSeconds = options.ttlSeconds ?? 30 * 24 * 3600;
  }

  /** The Redis key of one XCom. */
  keyOf(ti: TiKey, key: string = RETURN_VALUE_KEY): string {
    return `${this.prefix}:xcom:${ti.dagId}:${ti.runId}:${ti.taskId}:${key}`;
  }

  /**
   * Checks a value against the cap and serialises it.
   * @throws XComTooLargeError naming the task and the size
   * @throws TypeError when the value is not JSON-serialisable
   */
  serialize(ti: TiKey, value: unknown): string {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError(`XCom of task "${ti.taskId}" is not JSON-serialisable`);
    const size = Buffer.byteLength(json);
    if (size > this.maxBytes) throw new XComTooLargeError(ti.taskId, size, this.maxBytes);
    return json;
  }

  /**
   * Stores a value.
   * @throws XComTooLargeError when the JSON is over the cap (nothing is stored)
   */
  async push(ti: TiKey, value: unknown, key: string = RETURN_VALUE_KEY): Promise<void> {
    await this.pushSerialized(ti, this.serialize(ti, value), key);
  }

  /**
   * Stores JSON that {@link serialize} produced (the worker serialises first, so a value over the
   * cap fails the try, then pushes while the try's lease is held: `finishTryFenced`).
   */
  async pushSerialized(ti: TiKey, json: string, key: string = RETURN_VALUE_KEY): Promise<void> {
    await this.redis.set(this.keyOf(ti, key), json, 'EX', this.ttlSeconds);
  }

  /** Reads a value; undefined when absent. */
  async pull(ti: TiKey, key: string = RETURN_VALUE_KEY): Promise<unknown> {
    const raw = await this.redis.get(this.keyOf(ti, key));
    return raw === null ? undefined : (JSON.parse(raw) as unknown);
  }

  /** Return values of several tasks of one run, by task id (absent ones left out). */
  async pullReturnValues(
    dagId: string,
    runId: string,
    taskIds: readonly string[],
  ): Promise<Record<string, unknown>> {
    if (taskIds.length === 0) return {};
    const raws = await this.redis.mget(taskIds.map((taskId) => this.keyOf({ dagId, runId, taskId })));
    const out: Record<string, unknown> = {};
    taskIds.forEach((taskId, i) => {
      const raw = raws[i];
      if (raw !== null && raw !== undefined) out[taskId] = JSON.parse(raw) as unknown;
    });
    return out;
  }

  /** Every XCom of a task instance. */
  async list(ti: TiKey): Promise<XComEntry[]> {
    const keys = await this.scanKeys(ti);
    if (keys.length === 0) return [];
    const raws = await this.redis.mget(keys);
    const base = this.keyOf(ti, '');
    return keys
      .map((k, i) => ({ key: k.slice(base.length), raw: raws[i] }))
      .filter((e): e is { key: string; raw: string } => typeof e.raw === 'string')
      .map((e) => ({ key: e.key, value: JSON.parse(e.raw) as unknown }))
      .sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Deletes every XCom of a task instance (on retry and on clear). */
  async clear(ti: TiKey): Promise<number> {
    const keys = await this.scanKeys(ti);
    return keys.length === 0 ? 0 : this.redis.del(...keys);
  }

  /**
   * Deletes every XCom of every run of a DAG (`dags delete`).
   * @returns the number of keys deleted
   */
  async clearDag(dagId: string): Promise<number> {
    const keys = await this.scan(`${globEscape(`${this.prefix}:xcom:${dagId}:`)}*`);
    let deleted = 0;
    for (let i = 0; i < keys.length; i += 500) deleted += await this.redis.del(...keys.slice(i, i + 500));
    return deleted;
  }

  private async scanKeys(ti: TiKey): Promise<string[]> {
    return this.scan(`${globEscape(this.keyOf(ti, ''))}*`);
  }

  private async scan(pattern: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  }
}
