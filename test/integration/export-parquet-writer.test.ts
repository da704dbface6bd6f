/**
 * The Parquet writer (real DuckDB, real FIFOs) on its own: the rows it writes read back, and its
 * failures: a value DuckDB cannot read as its column's type, a producer that fails half-way, an
 * output that goes away. Each must reject with the error that explains it, leave no temporary
 * folder, and not hang.
 */
import { readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportColumn } from '../../src/export/export-types.js';
import { ParquetWriteError, writeParquet } from '../../src/export/parquet-writer.js';

const COLUMNS: ExportColumn[] = [
  { name: 'n', kind: 'integer', pgType: 'int4' },
  { name: 'ts', kind: 'timestamptz', pgType: 'timestamptz' },
  { name: 'x', kind: 'double', pgType: 'float8' },
  { name: 'ok', kind: 'boolean', pgType: 'bool' },
  { name: 's', kind: 'text', pgType: 'text' },
];

/** CSV lines as Postgres writes them (`COPY … WITH (FORMAT csv)`, TimeZone UTC). */
function* lines(count: number): Generator<string> {
  for (let i = 0; i < count; i++)
    yield `${i},2022-01-01 00:${String(i % 60).padStart(2, '0')}:00+00,${i / 8},${i % 2 === 0 ? 't' : 'f'},${
      i % 5 === 0 ? '' : i % 7 === 0 ? '""' : `"a,""b"" ${i}"`
    }\n`;
}

const source = (it: Iterable<string>): Readable => Readable.from(it);
const tempFolders = async () => (await readdir(os.tmpdir())).filter((f) => f.startsWith('heatflow-export-'));

let duck: Awaited<ReturnType<DuckDBInstance['connect']>>;
let instance: DuckDBInstance;
let before: string[];
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  duck = await instance.connect();
  before = await tempFolders();
});
afterAll(() => instance.closeSync());

/** Collects a stream's bytes. */
function collector(): Writable & { bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(c: Buffer, _e, done) {
      chunks.push(c);
      done();
    },
  }) as Writable & { bytes: () => Buffer };
  w.bytes = () => Buffer.concat(chunks);
  return w;
}

describe('writeParquet', () => {
  it('writes the rows with their types: nulls, empty strings, quotes and commas kept', async () => {
    const out = collector();
    const r = await writeParquet(COLUMNS, (sink) => pipeline(source(lines(300_000)), sink), out, {
      rowGroupSize: 50_000,
    });
    expect(r.rows).toBe(300_000);
    expect(r.bytes).toBe(out.bytes().length);
    const file = `${os.tmpdir()}/hf-parquet-writer-${process.pid}.parquet`;
    await writeFile(file, out.bytes());
    const meta = await duck.runAndReadAll(
      `SELECT count(DISTINCT row_group_id)::INTEGER FROM parquet_metadata('${file}')`,
    );
    expect(meta.getRowsJS()[0]?.[0]).toBe(6);
    const rows = await duck.runAndReadAll(
      `SELECT n, ts, x, ok, s FROM read_parquet('${file}') WHERE n IN (0, 7, 11) ORDER BY n`,
    );
    expect(rows.getRowObjectsJS()).toEqual([
      { n: 0, ts: new Date('2022-01-01T00:00:00Z'), x: 0, ok: true, s: null },
      { n: 7, ts: new Date('2022-01-01T00:07:00Z'), x: 0.875, ok: false, s: '' },
      { n: 11, ts: new Date('2022-01-01T00:11:00Z'), x: 1.375, ok: false, s: 'a,"b" 11' },
    ]);
    await rm(file);
    expect(await tempFolders()).toEqual(before);
  });

  it("rejects with DuckDB's message when a value is not of its column's type", async () => {
    const bad = ['1,2022-01-01 00:00:00+00,1.5,t,a\n', 'one,2022-01-01 00:00:00+00,1.5,t,a\n'];
    const err = await writeParquet(COLUMNS, (sink) => pipeline(source(bad), sink), collector()).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ParquetWriteError);
    expect((err as Error).message).toMatch(/^parquet writer \(DuckDB\): .*one/s);
    expect(await tempFolders()).toEqual(before);
  });

  it("rejects with the producer's own error when it fails half-way", async () => {
    function* failing(): Generator<string> {
      yield* lines(50_000);
      throw new Error('the database went away');
    }
    const err = await writeParquet(COLUMNS, (sink) => pipeline(source(failing()), sink), collector()).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toBe('the database went away');
    expect(await tempFolders()).toEqual(before);
  });

  it('rejects when the output goes away, and stops reading its input', async () => {
    const out = new PassThrough();
    let produced = 0;
    function* counted(): Generator<string> {
      for (const l of lines(5_000_000)) {
        produced++;
        yield l;
      }
    }
    out.once('data', () => out.destroy(new Error('client went away')));
    const err = await writeParquet(COLUMNS, (sink) => pipeline(source(counted()), sink), out, {
      rowGroupSize: 10_000,
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('client went away');
    expect(produced).toBeLessThan(5_000_000);
    expect(await tempFolders()).toEqual(before);
  });
});
