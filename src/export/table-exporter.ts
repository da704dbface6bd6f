/**
 * Exports a table of schemas `tado` / `analytics` as CSV, JSON Lines or Parquet into a stream,
 * streaming all the way (memory flat however many rows): Postgres `COPY … TO STDOUT`
 * (pg-copy-streams) straight to the output for CSV and JSONL, through DuckDB for Parquet
 * (`parquet-writer.ts`). Each export reads one snapshot (a read-only REPEATABLE READ transaction)
 * on its own connection. What the CLI's `heatflow export` and the web's `/api/v1/export` call.
 */
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import {
  EXPORT_SESSION_SQL,
  exportCopySql,
  readCatalogueColumns,
  readZoneIds,
} from '../db/export-queries.js';
import { buildCatalogue } from './export-catalogue.js';
import { validateExportRequest, type ExportInput } from './export-request.js';
import type { ExportCatalogue, ExportRequest, ExportResult } from './export-types.js';
import type { ParquetWriteOptions } from './parquet-writer.js';

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

/**
 * At most `size` holders at once; the others wait in order. Parquet exports take a slot: each
 * DuckDB query holds a libuv thread-pool thread (N-API async work) for its whole run, and the
 * pool has 4 threads by default, which the web server's file reads and DNS look-ups share.
 */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.free++;
    }
  }
}

/** Exports tables over a pool of its own. */
export class TableExporter {
  private readonly parquetSlots: Slots;

  constructor(
    private readonly pool: pg.Pool,
    private readonly parquetOptions: ParquetWriteOptions = {},
    /** Parquet exports at once (the others wait); `@defaultValue 2` */
    parquetConcurrency = 2,
  ) {
    this.parquetSlots = new Slots(parquetConcurrency);
  }

  /**
   * An exporter with its own small pool on `databaseUrl` (close it with {@link close}).
   * @param maxConnections exports that can run at once; `@defaultValue 4`
   */
  static open(
    databaseUrl: string,
    options: { maxConnections?: number; applicationName?: string; parquet?: ParquetWriteOptions } = {},
  ): TableExporter {
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      max: options.maxConnections ?? 4,
      application_name: options.applicationName ?? 'heatflow-export',
    });
    // an idle connection that drops would otherwise crash the process (node-postgres docs)
    pool.on('error', () => undefined);
    return new TableExporter(pool, options.parquet);
  }

  /** The exportable tables and the zone ids, read now. @throws the database error */
  async catalogue(): Promise<ExportCatalogue> {
    const client = await this.pool.connect();
    try {
      return buildCatalogue(await readCatalogueColumns(client), await readZoneIds(client));
    } finally {
      client.release();
    }
  }

  /**
   * Validates a request against the tables and zones of the database.
   * @throws ExportRequestError naming the field at fault (see `validateExportRequest`)
   */
  async request(input: ExportInput): Promise<ExportRequest> {
    return validateExportRequest(await this.catalogue(), input);
  }

  /**
   * Writes the export of `request` into `output` (and ends it). A Parquet export waits while two
   * others run.
   * @returns rows and bytes written
   * @throws the database error (the connection is then discarded, which stops the COPY), the
   *   output's error (e.g. the client went away), ParquetWriteError
   */
  async export(request: ExportRequest, output: Writable): Promise<ExportResult> {
    return request.format === 'parquet'
      ? this.parquetSlots.run(() => this.exportNow(request, output))
      : this.exportNow(request, output);
  }

  private async exportNow(request: ExportRequest, output: Writable): Promise<ExportResult> {
    const client = await this.pool.connect();
    let failed: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      for (const s of EXPORT_SESSION_SQL) await client.query(s);
      let result: ExportResult;
      if (request.format === 'parquet') {
        // DuckDB is loaded by the first Parquet export only (the CLI's other commands never need it)
        const { writeParquet } = await import('./parquet-writer.js');
        result = await writeParquet(
          request.table.columns,
          (sink) => pipeline(client.query(copyTo(exportCopySql(request, 'duckdb'))), sink),
          output,
          this.parquetOptions,
        );
      } else {
        const rows = client.query(copyTo(exportCopySql(request, request.format)));
        const counter = byteCounter();
        await pipeline(rows, counter, output);
        result = { rows: rows.rowCount, bytes: counter.bytes };
      }
      await client.query('COMMIT');
      return result;
    } catch (err) {
      failed = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      // a failed export's connection may be mid-COPY: discard it rather than reuse it
      client.release(failed);
    }
  }

  /** Closes the pool (after the running exports). */
  async close(): Promise<void> {
    await this.pool.end();
  }
}
