/**
 * Pools as data (`heatflow.pools`), as Airflow's pools: a named number of slots that task tries
 * take while they are queued or running (`pool_slots` each). The scheduler reads them when it
 * queues tries (`poolUsage` in task-instance-repository.ts); `heatflow pools …` and
 * `/api/v1/pools` change them; a DAG's `pools` declaration only creates missing ones.
 */
import { sql, type Kysely } from 'kysely';
import { HeatflowError } from '../core/errors.js';
import type { DeclaredPool } from '../core/types.js';
import type { Database } from './database.js';

/** The pool every task uses unless it names another; it cannot be deleted. */
export const DEFAULT_POOL = 'default_pool';

/** A pool with its use now (Airflow's `Pool` schema, in camelCase). */
export interface PoolWithUsage {
  readonly name: string;
  readonly slots: number;
  readonly description: string | null;
  /** slots taken by running tries */
  readonly runningSlots: number;
  /** slots taken by queued tries */
  readonly queuedSlots: number;
  /** running + queued */
  readonly occupiedSlots: number;
  /** slots − occupied (negative when a pool was shrunk below its use) */
  readonly openSlots: number;
}

/**
 * Pools ordered by name, with the slots their queued and running task instances take, and the
 * total count of pools.
 * @param page - `limit` (`@defaultValue` all) and `offset` (`@defaultValue 0`)
 */
export async function listPools(
  db: Kysely<Database>,
  page: { readonly limit?: number; readonly offset?: number; readonly name?: string } = {},
): Promise<{ readonly pools: readonly PoolWithUsage[]; readonly totalEntries: number }> {
  let q = db
    .selectFrom('heatflow.pools as p')
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('heatflow.task_instances')
          .select([
            'pool',
            sql<number>`coalesce(sum(pool_slots) filter (where state = 'running'), 0)::int`.as('running'),
            sql<number>`coalesce(sum(pool_slots) filter (where state = 'queued'), 0)::int`.as('queued'),
          ])
          .where('state', 'in', ['queued', 'running'])
          .groupBy('pool')
          .as('u'),
      (join) => join.onRef('u.pool', '=', 'p.pool'),
    )
    .select([
      'p.pool',
      'p.slots',
      'p.description',
      sql<number>`coalesce(u.running, 0)`.as('running'),
      sql<number>`coalesce(u.queued, 0)`.as('queued'),
    ])
    .orderBy('p.pool');
  if (page.name !== undefined) q = q.where('p.pool', '=', page.name);
  if (page.limit !== undefined) q = q.limit(page.limit);
  if (page.offset !== undefined && page.offset > 0) q = q.offset(page.offset);
  let countQ = db.selectFrom('heatflow.pools').select((eb) => eb.fn.countAll<string>().as('n'));
  if (page.name !== undefined) countQ = countQ.where('pool', '=', page.name);
  const [rows, count] = await Promise.all([q.execute(), countQ.executeTakeFirstOrThrow()]);
  return {
    pools: rows.map((r) => ({
      name: r.pool,
      slots: r.slots,
      description: r.description,
      runningSlots: r.running,
      queuedSlots: r.queued,
      occupiedSlots: r.running + r.queued,
      openSlots: r.slots - r.running - r.queued,
    })),
    totalEntries: Number(count.n),
  };
}

/** One pool with its use, or `undefined`. */
export async function getPool(db: Kysely<Database>, name: string): Promise<PoolWithUsage | undefined> {
  return (await listPools(db, { name })).pools[0];
}

/**
 * Creates a pool or changes its slots (and its description when given: `undefined` keeps it).
 * @returns whether the pool was created (false: it existed and was updated)
 */
export async function setPool(
  db: Kysely<Database>,
  name: string,
  slots: number,
  description?: string | null,
): Promise<{ readonly created: boolean }> {
  const row = await db
    .insertInto('heatflow.pools')
    .values({ pool: name, slots, description: description ?? null })
    .onConflict((oc) =>
      oc.column('pool').doUpdateSet((eb) => ({
        slots,
        description: description === undefined ? eb.ref('heatflow.pools.description') : description,
      })),
    )
    // xmax is 0 for a row this statement inserted
    .returning(sql<boolean>`(xmax = 0)`.as('created'))
    .executeTakeFirstOrThrow();
  return { created: row.created };
}

/** Creates a pool only when none has this name. @returns whether it was created */
export async function createPool(
  db: Kysely<Database>,
  name: string,
  slots: number,
  description: string | null,
): Promise<boolean> {
  const r = await db
    .insertInto('heatflow.pools')
    .values({ pool: name, slots, description })
    .onConflict((oc) => oc.column('pool').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
}

/**
 * Creates the pools DAGs declare that do not exist yet; existing pools keep their slots and
 * description (what `pools set` or the API made them), so a DAG sync never undoes them.
 */
export async function createDeclaredPools(
  db: Kysely<Database>,
  pools: readonly DeclaredPool[],
): Promise<void> {
  if (pools.length === 0) return;
  await db
    .insertInto('heatflow.pools')
    .values(pools.map((p) => ({ pool: p.name, slots: p.slots, description: p.description ?? null })))
    .onConflict((oc) => oc.column('pool').doNothing())
    .execute();
}

/** Thrown when asked to delete `default_pool` (code `DEFAULT_POOL`). */
export class DefaultPoolError extends HeatflowError {
  constructor() {
    super(
      'DEFAULT_POOL',
      `the pool "${DEFAULT_POOL}" cannot be deleted (every task without a pool of its own uses it)`,
    );
  }
}

/**
 * Deletes a pool. Tries already queued or running in it finish; tasks that still name it fail
 * when next queued (`pool "…" does not exist`) unless a DAG declares it again.
 * @returns whether a pool was deleted
 * @throws DefaultPoolError for `default_pool`
 */
export async function deletePool(db: Kysely<Database>, name: string): Promise<boolean> {
  if (name === DEFAULT_POOL) throw new DefaultPoolError();
  const r = await db.deleteFrom('heatflow.pools').where('pool', '=', name).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}
