/**
 * The Parquet writer of exports: DuckDB (`@duckdb/node-api`) reads CSV rows from one named pipe
 * (FIFO) and writes Parquet into another, row group by row group, so the rows are never all in
 * memory:
 *
 * ```
 * Postgres COPY (CSV) ─► fifo in.csv ─► DuckDB read_csv (declared types) ─► COPY TO fifo out.parquet ─► output
 * ```
 *
 * Memory stays flat however many rows: DuckDB runs with one thread and a `memory_limit`, its CSV
 * reader with a small buffer, the Parquet writer flushes every `rowGroupSize` rows, and both pipes
 * carry back-pressure from the output to Postgres. Disk is not flat: DuckDB moves the CSV it has
 * read from the pipe to its temporary folder past `memory_limit` (see `sharedInstance`). Both pipe ends of this process are opened
 * non-blocking and read/written through `net.Socket` (epoll), never through the libuv thread pool,
 * so several exports at once cannot starve it. Linux and macOS (`mkfifo`).
 *
 * Column types: integers stay INTEGER/SMALLINT/BIGINT, double DOUBLE, boolean BOOLEAN, date DATE,
 * timestamptz TIMESTAMP WITH TIME ZONE (UTC instants), json and arrays JSON text (VARCHAR).
 */
import { execFile } from 'node:child_process';
import { constants as fsConstants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { HeatflowError } from '../core/errors.js';
import type { ColumnKind, ExportColumn } from './export-types.js';

const execFileAsync = promisify(execFile);

/** Options of {@link writeParquet}. */
export interface ParquetWriteOptions {
  /** rows per Parquet row group; `@defaultValue 122880` (DuckDB's own default) */
  readonly rowGroupSize?: number;
  /** DuckDB's memory limit, in MB, shared by the exports running at once (the first export sets it); `@defaultValue 32` */
  readonly memoryLimitMb?: number;
  /** the CSV reader's buffer, and so the longest row it accepts, in bytes; `@defaultValue 2 MiB`, 16 MiB with json/array columns */
  readonly bufferBytes?: number;
  /** Parquet compression; `@defaultValue 'zstd'` */
  readonly compression?: 'zstd' | 'snappy' | 'uncompressed';
}

/** The Parquet writer failed (DuckDB's message, or the pipe between the two). */
export class ParquetWriteError extends HeatflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EXPORT_PARQUET', message, options);
  }
}

const DUCKDB_TYPE: Readonly<Record<ColumnKind, string>> = {
  smallint: 'SMALLINT',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  real: 'FLOAT',
  double: 'DOUBLE',
  numeric: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamptz: 'TIMESTAMPTZ',
  timestamp: 'TIMESTAMP',
  json: 'VARCHAR',
  array: 'VARCHAR',
  text: 'VARCHAR',
};

const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** DuckDB's `read_csv(columns = {…})` struct of the columns, in order. */
export function duckdbColumns(columns: readonly ExportColumn[]): string {
  return `{${columns.map((c) => `${quote(c.name)}: ${quote(DUCKDB_TYPE[c.kind])}`).join(', ')}}`;
}

/** The DuckDB statement that turns the CSV of one pipe into the Parquet of another. */
export function parquetCopySql(
  columns: readonly ExportColumn[],
  inPath: string,
  outPath: string,
  options: Required<ParquetWriteOptions>,
): string {
  const read = [
    quote(inPath),
    `columns = ${duckdbColumns(columns)}`,
    'header = false',
    'auto_detect = false',
    'parallel = false',
    "delim = ','",
    `quote = '"'`,
    `escape = '"'`,
    "nullstr = ''",
    // Postgres writes NULL as nothing and the empty string as "": keep "" an empty string
    'allow_quoted_nulls = false',
    `buffer_size = ${options.bufferBytes}`,
    `max_line_size = ${options.bufferBytes}`,
  ].join(', ');
  return `COPY (SELECT * FROM read_csv(${read})) TO ${quote(outPath)} (FORMAT parquet, ROW_GROUP_SIZE ${options.rowGroupSize}, COMPRESSION ${options.compression})`;
}

let instance: Promise<DuckDBInstance> | undefined;

/**
 * The process's one DuckDB database (in memory, holding no table), created by the first Parquet
 * export: creating and closing one per export left RSS growing by 5–10 MB an export, one shared
 * instance levels off. One thread (each query runs on the thread that asked for it), and
 * `memoryLimitMb` for all the exports running at once.
 *
 * DuckDB keeps the CSV it has read from a pipe (duckdb/duckdb#25165: a file read by name streams
 * in constant memory, a pipe does not) and, past `memory_limit`, moves it to its temporary folder,
 * so memory stays flat but an export holds about its CSV's size on disk until it ends. The folder
 * (`heatflow-duckdb-…` in the OS's temporary directory) is removed when the process exits.
 */
function sharedInstance(memoryLimitMb: number): Promise<DuckDBInstance> {
  if (instance === undefined) {
    const spill = mkdtempSync(path.join(os.tmpdir(), 'heatflow-duckdb-'));
    process.once('exit', () => rmSync(spill, { recursive: true, force: true }));
    instance = DuckDBInstance.create(':memory:', {
      threads: '1',
      // with one thread the rows stay in order anyway; preserving it makes the COPY buffer more
      preserve_insertion_order: 'false',
      memory_limit: `${memoryLimitMb}MB`,
      temp_directory: spill,
      enable_external_access: 'true',
    }).catch((err: unknown) => {
      instance = undefined;
      throw err;
    });
  }
  return instance;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Opens the write end of a FIFO without blocking: `O_NONBLOCK` fails with ENXIO until a reader
 * has it open, so it retries until DuckDB opened it, or gives up once `stop()` says so.
 */
async function openFifoWriter(fifo: string, stop: () => boolean): Promise<net.Socket | undefined> {
  for (;;) {
    try {
      const fd = openSync(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
      return new net.Socket({ fd, readable: false, writable: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw err;
      if (stop()) return undefined;
      await sleep(2);
    }
  }
}

/** Counts the bytes passing through. */
function byteCounter(): Transform & { bytes: number } {
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      t.bytes += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { bytes: number };
  t.bytes = 0;
  return t;
}

const isPipeError = (e: unknown): boolean =>
  ['EPIPE', 'ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED'].includes(
    (e as NodeJS.ErrnoException | undefined)?.code ?? '',
  );

const asError = (e: unknown): Error =>
  e instanceof Error ? e : new ParquetWriteError(`parquet export failed: ${JSON.stringify(e)}`);

/**
 * The error that explains a failed export. A failure in one stage closes the pipes of the others,
 * whose "broken pipe" / "premature close" only follow from it, so: the producer's own error (e.g.
 * Postgres), else the output's own failure (the client went away; not when this writer closed
 * the pipe it reads after DuckDB failed), else DuckDB's, else whatever came.
 */
function failureCause(
  input: PromiseSettledResult<unknown>,
  duck: PromiseSettledResult<unknown>,
  out: PromiseSettledResult<unknown>,
  closedByUs: boolean,
): Error | undefined {
  const reason = (r: PromiseSettledResult<unknown>): unknown =>
    r.status === 'rejected' ? (r.reason as unknown) : undefined;
  const [i, d, o] = [reason(input), reason(duck), reason(out)];
  if (i !== undefined && !isPipeError(i)) return asError(i);
  if (o !== undefined && (!isPipeError(o) || !closedByUs)) return asError(o);
  const any = d ?? i ?? o;
  return any === undefined ? undefined : asError(any);
}

/**
 * Writes Parquet to `output` from the CSV rows (no header; columns in `columns`' order) that
 * `produce` writes into the sink it is given; `produce` must end the sink when done (`pipeline`
 * does) and reject when its source fails.
 * @returns the rows DuckDB wrote and the bytes written to `output`
 * @throws ParquetWriteError with DuckDB's message when DuckDB fails (e.g. a value that is not of its
 *   column's type); the producer's or the output's error when they fail first
 */
export async function writeParquet(
  columns: readonly ExportColumn[],
  produce: (sink: Writable) => Promise<void>,
  output: Writable,
  options: ParquetWriteOptions = {},
): Promise<{ rows: number; bytes: number }> {
  const wide = columns.some((c) => c.kind === 'json' || c.kind === 'array');
  const o: Required<ParquetWriteOptions> = {
    rowGroupSize: options.rowGroupSize ?? 122_880,
    memoryLimitMb: options.memoryLimitMb ?? 32,
    bufferBytes: options.bufferBytes ?? (wide ? 16 : 2) * 1024 * 1024,
    compression: options.compression ?? 'zstd',
  };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'heatflow-export-'));
  const inPath = path.join(dir, 'in.csv');
  const outPath = path.join(dir, 'out.parquet');
  let connection: DuckDBConnection | undefined;
  let sink: net.Socket | undefined;
  let source: net.Socket | undefined;
  try {
    await execFileAsync('mkfifo', ['-m', '600', inPath, outPath]);
    // the read end first: DuckDB's open of out.parquet for writing then finds a reader at once
    const outFd = openSync(outPath, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    source = new net.Socket({ fd: outFd, readable: true, writable: false });
    connection = await (await sharedInstance(o.memoryLimitMb)).connect();
    let duckSettled = false;
    let closedByUs = false;
    const duck = connection.run(parquetCopySql(columns, inPath, outPath, o)).then(
      (r) => {
        duckSettled = true;
        return r;
      },
      (err: unknown) => {
        duckSettled = true;
        // unblock the other stages: no more input is read, no more output comes
        closedByUs = true;
        sink?.destroy();
        source?.destroy();
        throw new ParquetWriteError(`parquet writer (DuckDB): ${(err as Error).message}`, { cause: err });
      },
    );
    const counter = byteCounter();
    const out = pipeline(source, counter, output);
    // awaited below; marked handled now in case opening the input pipe throws first
    void duck.catch(() => undefined);
    void out.catch(() => undefined);
    sink = await openFifoWriter(inPath, () => duckSettled);
    if (sink === undefined) {
      await duck; // it settled before reading anything: its error
      throw new ParquetWriteError('parquet writer (DuckDB) stopped before reading its input');
    }
    const sinkSocket = sink;
    const input = produce(sinkSocket).catch((err: unknown) => {
      sinkSocket.destroy();
      throw err;
    });
    const [inputR, duckR, outR] = await Promise.allSettled([input, duck, out]);
    const cause = failureCause(inputR, duckR, outR, closedByUs);
    if (cause !== undefined) throw cause;
    const counted = duckR.status === 'fulfilled' ? await duckR.value.getRows() : [];
    const rows = Number(counted[0]?.[0] ?? 0);
    return { rows, bytes: counter.bytes };
  } finally {
    sink?.destroy();
    source?.destroy();
    connection?.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}
