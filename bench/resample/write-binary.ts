/**
 * Writing a MinuteGrid with `COPY … FROM STDIN (FORMAT binary)`: Postgres's binary tuple format
 * (https://www.postgresql.org/docs/15/sql-copy.html, "Binary Format"), so the server parses no
 * text (floats, timestamps) and JavaScript formats none. Columns as ./write-postgres.ts.
 */
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { MinuteGrid } from './grid.js';
import { COLUMNS } from './write-postgres.js';

/** Postgres's epoch (2000-01-01 UTC) in Unix ms. */
const PG_EPOCH_MS = 946_684_800_000;
const CHUNK_BYTES = 1 << 20;
/** the largest row: 13 fields, the weather state at most 200 bytes */
const MAX_ROW_BYTES = 2 + 13 * 4 + 8 * 5 + 4 * 2 + 2 + 3 + 200;

/**
 * Writes the grid with binary COPY, in 1 MB chunks, waiting on the socket's backpressure.
 *
 * @throws Error from Postgres (a check or key violation names the constraint), or when a
 *   weather state is longer than 200 bytes
 */
export async function writeCopyBinary(client: pg.Client, table: string, g: MinuteGrid): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} (${COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  let buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = 0;
  const flush = async (): Promise<void> => {
    if (!stream.write(buf.subarray(0, at))) await new Promise((resolve) => stream.once('drain', resolve));
    buf = Buffer.allocUnsafe(CHUNK_BYTES);
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    at = 0;
  };
  const int4 = (x: number): void => {
    view.setInt32(at, 4);
    view.setInt32(at + 4, x);
    at += 8;
  };
  const float8 = (x: number): void => {
    if (Number.isNaN(x)) {
      view.setInt32(at, -1);
      at += 4;
    } else {
      view.setInt32(at, 8);
      view.setFloat64(at + 4, x);
      at += 12;
    }
  };
  const bool = (x: number): void => {
    if (x < 0) {
      view.setInt32(at, -1);
      at += 4;
    } else {
      view.setInt32(at, 1);
      view.setUint8(at + 4, x);
      at += 5;
    }
  };
  const states = new Map<string, Buffer>();
  buf.write('PGCOPY\n\xff\r\n\0', 0, 'latin1');
  view.setInt32(11, 0);
  view.setInt32(15, 0);
  at = 19;
  for (const d of g.days) {
    const days = (Date.parse(d.date) - PG_EPOCH_MS) / 86_400_000;
    for (let i = 0; i < d.minutes; i++) {
      if (at + MAX_ROW_BYTES > CHUNK_BYTES) await flush();
      const r = d.offset + i;
      view.setInt16(at, 13);
      at += 2;
      int4(d.homeId);
      int4(d.zoneId);
      // timestamptz: int64 µs since 2000-01-01, written as two 32-bit halves (exact below 2^53)
      const us = (d.dayStartMs + i * 60_000 - PG_EPOCH_MS) * 1000;
      const high = Math.floor(us / 4_294_967_296);
      view.setInt32(at, 8);
      view.setInt32(at + 4, high);
      view.setUint32(at + 8, us - high * 4_294_967_296);
      at += 12;
      float8(g.insideC[r] as number);
      float8(g.humidityFraction[r] as number);
      float8(g.setpointC[r] as number);
      float8(g.outsideC[r] as number);
      int4(days);
      const level = g.demandLevel[r] as number;
      if (level < 0) {
        view.setInt32(at, -1);
        at += 4;
      } else {
        view.setInt32(at, 2);
        view.setInt16(at + 4, level);
        at += 6;
      }
      bool(g.powerOn[r] as number);
      bool(g.connected[r] as number);
      bool(g.cleaned[r] as number);
      const state = g.weatherState[r] ?? null;
      if (state === null) {
        view.setInt32(at, -1);
        at += 4;
      } else {
        let bytes = states.get(state);
        if (bytes === undefined) states.set(state, (bytes = Buffer.from(state, 'utf8')));
        if (bytes.length > 200)
          throw new Error(`weather state longer than 200 bytes: ${state.slice(0, 40)}…`);
        view.setInt32(at, bytes.length);
        bytes.copy(buf, at + 4);
        at += 4 + bytes.length;
      }
    }
  }
  view.setInt16(at, -1);
  at += 2;
  stream.end(buf.subarray(0, at));
  await done;
}
