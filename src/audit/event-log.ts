/**
 * The event log (audit), as Airflow's `log` table and `/api/v1/eventLogs`: every action taken
 * through the web page, the REST API or the CLI is recorded with who, when, what and from where.
 * Callers record an event after the action succeeded (or, for `login.failed`, when it failed);
 * recording never throws into the action: a failure to write the log is logged and swallowed.
 */
import { hostname, userInfo } from 'node:os';
import type { Kysely } from 'kysely';
import type { Database, EventLogRow } from '../db/database.js';

/** Through what an action came. */
export type EventSource = 'web' | 'api' | 'cli';

/** Who did it and from where. */
export interface EventActor {
  /** a user name, `token` (the bearer token), the OS user (CLI), or `anonymous` */
  readonly owner: string;
  readonly source: EventSource;
  /** the client address (web, API) or the host name (CLI) */
  readonly remoteAddr?: string | null;
}

/** One action to record. */
export interface EventLogEntry {
  /** e.g. `trigger`, `clear`, `mark`, `pause`, `unpause`, `backfill`, `variable.set`, `login.failed` */
  readonly event: string;
  readonly dagId?: string | null;
  readonly taskId?: string | null;
  readonly runId?: string | null;
  readonly tryNumber?: number | null;
  readonly logicalDate?: Date | null;
  /** further details; never put a secret here */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** The actor of a CLI command: the OS user on this host. */
export function cliActor(): EventActor {
  let owner = 'unknown';
  try {
    owner = userInfo().username;
  } catch {
    // no passwd entry for this uid (some containers)
  }
  return { owner, source: 'cli', remoteAddr: hostname() };
}

/** Something that can report a failure to write the log (a pino logger fits). */
export interface EventLogWarn {
  warn(obj: object, msg: string): void;
}

/**
 * Records one action. Never throws: the action already happened, so a failure to write the log
 * is reported through `log` (when given) and swallowed.
 * @returns the new row's id, or null when it could not be written
 */
export async function recordEvent(
  db: Kysely<Database>,
  actor: EventActor,
  entry: EventLogEntry,
  log?: EventLogWarn,
): Promise<string | null> {
  try {
    const row = await db
      .insertInto('heatflow.log')
      .values({
        event: entry.event,
        dag_id: entry.dagId ?? null,
        task_id: entry.taskId ?? null,
        run_id: entry.runId ?? null,
        try_number: entry.tryNumber ?? null,
        logical_date: entry.logicalDate ?? null,
        owner: actor.owner,
        source: actor.source,
        remote_addr: actor.remoteAddr ?? null,
        extra: JSON.stringify(entry.extra ?? {}),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  } catch (err) {
    log?.warn({ err, event: entry.event }, 'could not write the event log');
    return null;
  }
}

/** Columns events can be ordered by, by their API name (Airflow's `order_by` values). */
export const EVENT_ORDER_COLUMNS = {
  event_log_id: 'id',
  when: 'dttm',
  dag_id: 'dag_id',
  task_id: 'task_id',
  run_id: 'run_id',
  event: 'event',
  owner: 'owner',
  execution_date: 'logical_date',
} as const;

/** Filters of {@link listEvents}; all optional. */
export interface EventLogQuery {
  readonly dagId?: string;
  readonly taskId?: string;
  readonly runId?: string;
  readonly event?: string;
  readonly owner?: string;
  /** events at or after this time */
  readonly after?: Date;
  /** events before this time */
  readonly before?: Date;
  /** `@defaultValue 100` */
  readonly limit?: number;
  /** `@defaultValue 0` */
  readonly offset?: number;
  /** `@defaultValue` newest first (`when` descending) */
  readonly orderBy?: { readonly column: keyof typeof EVENT_ORDER_COLUMNS; readonly descending: boolean };
}

/** Events matching `q`, newest first unless `q.orderBy` says otherwise, with the total count of matches (for paging). */
export async function listEvents(
  db: Kysely<Database>,
  q: EventLogQuery = {},
): Promise<{ readonly events: readonly EventLogRow[]; readonly totalEntries: number }> {
  let base = db.selectFrom('heatflow.log');
  if (q.dagId !== undefined) base = base.where('dag_id', '=', q.dagId);
  if (q.taskId !== undefined) base = base.where('task_id', '=', q.taskId);
  if (q.runId !== undefined) base = base.where('run_id', '=', q.runId);
  if (q.event !== undefined) base = base.where('event', '=', q.event);
  if (q.owner !== undefined) base = base.where('owner', '=', q.owner);
  if (q.after !== undefined) base = base.where('dttm', '>=', q.after);
  if (q.before !== undefined) base = base.where('dttm', '<', q.before);
  const order = q.orderBy ?? { column: 'when', descending: true };
  const direction = order.descending ? 'desc' : 'asc';
  const [events, count] = await Promise.all([
    base
      .selectAll()
      .orderBy(EVENT_ORDER_COLUMNS[order.column], direction)
      .orderBy('id', direction)
      .limit(q.limit ?? 100)
      .offset(q.offset ?? 0)
      .execute(),
    base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { events, totalEntries: Number(count.n) };
}

/** One event by its id, or `undefined`. */
export async function getEvent(db: Kysely<Database>, id: string): Promise<EventLogRow | undefined> {
  return db.selectFrom('heatflow.log').selectAll().where('id', '=', id).executeTakeFirst();
}
