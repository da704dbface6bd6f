/**
 * The merge task's write: many zone-days' minute series into `analytics.zone_minute` in ONE
 * transaction on one connection, by binary `COPY FROM STDIN` (pg-copy-streams), with the zone-days'
 * `analytics.zone_days` rows. A zone-day written again first loses its earlier minutes (found
 * through the primary key by the day's time range), so a retry, clear or re-run leaves the same
 * rows; a failure anywhere (a constraint, the connection lost mid-COPY) rolls everything back.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql, type CompiledQuery, type Kysely } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { HeatflowError } from '../core/errors.js';
import type { AnalyticsDatabase } from './analytics-database.js';
import type {
  AnalysedZoneDay,
  RejectedZoneDay,
  WriteContext,
  ZoneDayRef,
  ZoneMinuteWriteResult,
} from './analytics-records.js';
import {
  analysedZoneDayRow,
  encodeZoneMinutes,
  rejectedZoneDayRow,
  ZONE_MINUTE_COLUMNS,
  zoneMinuteSeriesProblem,
} from './analytics-rows.js';
import { BinaryCopyWriter } from './binary-copy-writer.js';

const MINUTE_MS = 60_000;
/** Rows per INSERT of `zone_days` (20 parameters each; Postgres allows 65,535 per statement). */
const CHUNK_ROWS = 1000;

const refKey = (r: ZoneDayRef): string => `${r.homeId}/${r.zoneId}/${r.date}`;

/**
 * Takes the analytics write lock of each home (transaction-scoped, in home order): two writers of
 * the same zone-days would otherwise both delete the old rows and then collide on the new ones.
 */
export async function lockHomes(
  db: Kysely<AnalyticsDatabase>,
  exec: (q: CompiledQuery) => Promise<unknown>,
  homeIds: Iterable<number>,
): Promise<void> {
  for (const homeId of [...new Set(homeIds)].sort((a, b) => a - b)) {
    await exec(sql`SELECT pg_advisory_xact_lock(hashtext('heatflow.analytics'), ${homeId}::int)`.compile(db));
  }
}

/** A time range `[lo, hi)` of one zone's minutes, ms. */
interface MinuteRange {
  homeId: number;
  zoneId: number;
  lo: number;
  hi: number;
}

/** The ranges merged where they touch or overlap, sorted. */
export function mergeRanges(ranges: readonly MinuteRange[]): MinuteRange[] {
  const sorted = [...ranges].sort((a, b) => a.homeId - b.homeId || a.zoneId - b.zoneId || a.lo - b.lo);
  const out: MinuteRange[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last !== undefined && last.homeId === r.homeId && last.zoneId === r.zoneId && r.lo <= last.hi) {
      last.hi = Math.max(last.hi, r.hi);
    } else out.push({ ...r });
  }
  return out;
}

/**
 * Deletes the minutes of the batch's zone-days: the new series' ranges, and the ranges the
 * zone-days' earlier rows were written for (`zone_days.day_start/day_end`: a rejected day's, or
 * one whose bounds changed). Adjacent days are merged into one range, and each range is its own
 * statement, `home_id = … AND zone_id = … AND minute_start >= … AND minute_start < …`, which the
 * primary key answers: a join of the ranges with the table let the planner pick a merge join
 * that filtered 630 M row pairs (171 s for a year).
 * @returns rows deleted
 */
async function deleteMinutes(
  exec: (c: CompiledQuery) => Promise<pg.QueryResult>,
  db: Kysely<AnalyticsDatabase>,
  analysed: readonly AnalysedZoneDay[],
  all: readonly ZoneDayRef[],
): Promise<number> {
  const ranges: MinuteRange[] = analysed.map(({ series: s }) => ({
    homeId: s.homeId,
    zoneId: s.zoneId,
    lo: s.dayStartMs,
    hi: s.dayStartMs + s.minutes * MINUTE_MS,
  }));
  const earlier = await exec(
    sql<{ home_id: number; zone_id: number; lo: number; hi: number }>`
      SELECT z.home_id, z.zone_id, date_part('epoch', z.day_start) * 1000 AS lo, date_part('epoch', z.day_end) * 1000 AS hi
      FROM unnest(${all.map((r) => r.homeId)}::int[], ${all.map((r) => r.zoneId)}::int[], ${all.map((r) => r.date)}::date[])
        AS o(home_id, zone_id, date)
      JOIN analytics.zone_days z ON z.home_id = o.home_id AND z.zone_id = o.zone_id AND z.date = o.date
      WHERE z.day_start IS NOT NULL`.compile(db),
  );
  for (const r of earlier.rows as { home_id: number; zone_id: number; lo: number; hi: number }[]) {
    ranges.push({ homeId: r.home_id, zoneId: r.zone_id, lo: Math.round(r.lo), hi: Math.round(r.hi) });
  }
  let deleted = 0;
  for (const r of mergeRanges(ranges)) {
    const result = await exec(
      db
        .deleteFrom('analytics.zone_minute')
        .where('home_id', '=', r.homeId)
        .where('zone_id', '=', r.zoneId)
        .where('minute_start', '>=', new Date(r.lo))
        .where('minute_start', '<', new Date(r.hi))
        .compile(),
    );
    deleted += result.rowCount ?? 0;
  }
  return deleted;
}

/** Refuses a batch that names a zone-day twice or holds a series that cannot be written. */
function checkBatch(analysed: readonly AnalysedZoneDay[], rejected: readonly RejectedZoneDay[]): void {
  const seen = new Set<string>();
  const once = (r: ZoneDayRef) => {
    const key = refKey(r);
    if (seen.has(key)) {
      throw new HeatflowError(
        'INVALID_ARGUMENT',
        `zone ${r.zoneId} ${r.date} (home ${r.homeId}): the batch names this zone-day twice`,
      );
    }
    seen.add(key);
  };
  for (const a of analysed) {
    once(a.series);
    const problem = zoneMinuteSeriesProblem(a.series);
    if (problem !== null) {
      throw new HeatflowError(
        'INVALID_ARGUMENT',
        `zone ${a.series.zoneId} ${a.series.date} (home ${a.series.homeId}): minute series: ${problem}`,
      );
    }
  }
  for (const r of rejected) once(r);
}

/** The binary COPY data of the series, one chunk at a time (so memory stays at a few chunks). */
function* copyChunks(analysed: readonly AnalysedZoneDay[]): Generator<Buffer> {
  const writer = new BinaryCopyWriter();
  for (const day of analysed) {
    encodeZoneMinutes(day.series, writer);
    yield* writer.take();
  }
  writer.end();
  yield* writer.take();
}

/**
 * Replaces the zone-days' minute rows and records the zone-days (see the file comment).
 * @param client - a connection of its own (not in a transaction): this function begins, commits
 *   or rolls back, and the caller releases it (with the error, when this throws, so a connection
 *   lost mid-COPY is discarded)
 * @param db - compiles the statements (they run on `client`)
 * @throws HeatflowError `INVALID_ARGUMENT` (nothing written) for a zone-day named twice or a
 *   series whose columns do not hold one value per minute; the database error otherwise
 */
export async function replaceZoneMinutes(
  client: pg.ClientBase,
  db: Kysely<AnalyticsDatabase>,
  analysed: readonly AnalysedZoneDay[],
  rejected: readonly RejectedZoneDay[],
  ctx: WriteContext,
): Promise<ZoneMinuteWriteResult> {
  checkBatch(analysed, rejected);
  const started = performance.now();
  const exec = (c: CompiledQuery) => client.query(c.sql, [...c.parameters]);
  const all: ZoneDayRef[] = [...analysed.map((a) => a.series), ...rejected];
  await client.query('BEGIN');
  try {
    await lockHomes(
      db,
      exec,
      all.map((r) => r.homeId),
    );
    const minutesDeleted = await deleteMinutes(exec, db, analysed, all);
    const deletedAt = performance.now();
    let minutesWritten = 0;
    if (analysed.length > 0) {
      const copy = client.query(
        copyFrom(`COPY analytics.zone_minute (${ZONE_MINUTE_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`),
      );
      await pipeline(Readable.from(copyChunks(analysed), { objectMode: false }), copy);
      minutesWritten = copy.rowCount;
    }
    const copiedAt = performance.now();
    const rows = [
      ...analysed.map((a) => analysedZoneDayRow(a, ctx)),
      ...rejected.map((r) => rejectedZoneDayRow(r, ctx)),
    ];
    for (let k = 0; k < rows.length; k += CHUNK_ROWS) {
      await exec(
        db
          .insertInto('analytics.zone_days')
          .values(rows.slice(k, k + CHUNK_ROWS))
          .onConflict((oc) =>
            oc.columns(['home_id', 'zone_id', 'date']).doUpdateSet((eb) => ({
              status: eb.ref('excluded.status'),
              reason: eb.ref('excluded.reason'),
              time_zone: eb.ref('excluded.time_zone'),
              day_start: eb.ref('excluded.day_start'),
              day_end: eb.ref('excluded.day_end'),
              minutes: eb.ref('excluded.minutes'),
              readings: eb.ref('excluded.readings'),
              temperature_removed_placeholder: eb.ref('excluded.temperature_removed_placeholder'),
              temperature_removed_disconnected: eb.ref('excluded.temperature_removed_disconnected'),
              temperature_removed_out_of_range: eb.ref('excluded.temperature_removed_out_of_range'),
              temperature_removed_spike: eb.ref('excluded.temperature_removed_spike'),
              humidity_removed_placeholder: eb.ref('excluded.humidity_removed_placeholder'),
              humidity_removed_disconnected: eb.ref('excluded.humidity_removed_disconnected'),
              humidity_removed_out_of_range: eb.ref('excluded.humidity_removed_out_of_range'),
              humidity_removed_spike: eb.ref('excluded.humidity_removed_spike'),
              analysed_at: eb.ref('excluded.analysed_at'),
              dag_run_id: eb.ref('excluded.dag_run_id'),
            })),
          )
          .compile(),
      );
    }
    if (rejected.length > 0) {
      await exec(
        sql`
        DELETE FROM analytics.zone_day_metrics m
        USING unnest(${rejected.map((r) => r.homeId)}::int[], ${rejected.map((r) => r.zoneId)}::int[],
                     ${rejected.map((r) => r.date)}::date[]) AS r(home_id, zone_id, date)
        WHERE m.home_id = r.home_id AND m.zone_id = r.zone_id AND m.date = r.date`.compile(db),
      );
    }
    await client.query('COMMIT');
    return {
      minutesWritten,
      minutesDeleted,
      analysed: analysed.length,
      rejected: rejected.length,
      elapsedMs: Math.round(performance.now() - started),
      deleteMs: Math.round(deletedAt - started),
      copyMs: Math.round(copiedAt - deletedAt),
    };
  } catch (e) {
    // A connection lost mid-COPY cannot roll back; the server has already discarded the transaction.
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
