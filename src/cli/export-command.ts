/**
 * `heatflow export TABLE [--from DATE] [--to DATE] [--zone N] --format csv|jsonl|parquet [-o FILE]`:
 * a table of schemas tado / analytics (bare `zone_minute` or qualified `analytics.zone_minute`)
 * for notebooks, streamed to FILE or stdout. Thin: parses the options, calls `TableExporter`.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { exportFileName } from '../export/export-naming.js';
import {
  ExportRequestError,
  EXPORT_FORMATS,
  qualifiedName,
  type ExportField,
} from '../export/export-types.js';
import { TableExporter } from '../export/table-exporter.js';
import { CliError, cliSetup } from './context.js';

interface ExportOptions {
  from?: string;
  to?: string;
  zone?: string;
  format?: string;
  output?: string;
}

const OPTION_OF: Readonly<Record<ExportField, string>> = {
  table: 'TABLE',
  format: '--format',
  from: '--from',
  to: '--to',
  zone: '--zone',
};

/** `--format`, or the extension of `-o` when it is one of the formats. @throws CliError */
function formatOf(o: ExportOptions): string {
  if (o.format !== undefined) return o.format;
  const ext = o.output === undefined ? '' : path.extname(o.output).slice(1).toLowerCase();
  if ((EXPORT_FORMATS as readonly string[]).includes(ext)) return ext;
  throw new CliError(`--format is required (${EXPORT_FORMATS.join(', ')}) unless -o ends in one of them`, 1);
}

/** A database error as one line naming what to do. */
function databaseProblem(err: unknown, databaseUrl: string): unknown {
  const e = err as { code?: string; message?: string };
  if (e.code === 'ECONNREFUSED' || e.code === '3D000')
    return new CliError(
      `cannot use Postgres (DATABASE_URL ${databaseUrl.replace(/\/\/[^@]*@/, '//…@')}): ${e.message ?? ''}`,
    );
  return err;
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description(
      'export a table of schemas tado / analytics as CSV, JSON Lines or Parquet (streamed; docs/analytics.md "Exports")',
    )
    .argument('<table>', 'table name: zone_minute, interior, … or qualified: analytics.zone_minute')
    .option('--from <date>', "first local day YYYY-MM-DD (inclusive), on the table's day column")
    .option('--to <date>', 'last local day YYYY-MM-DD (inclusive)')
    .option('--zone <id>', 'one zone only')
    .option('--format <format>', `${EXPORT_FORMATS.join(' | ')} (default: from -o's extension)`)
    .option('-o, --output <file>', 'write to this file (default: stdout)')
    .action(async (table: string, o: ExportOptions) => {
      const format = formatOf(o);
      const { config } = cliSetup('export');
      const exporter = TableExporter.open(config.DATABASE_URL, {
        maxConnections: 1,
        applicationName: 'heatflow-cli-export',
      });
      const started = Date.now();
      try {
        const request = await exporter
          .request({ table, format, from: o.from, to: o.to, zone: o.zone })
          .catch((err: unknown) => {
            if (err instanceof ExportRequestError)
              throw new CliError(`${OPTION_OF[err.field]}: ${err.message}`);
            throw databaseProblem(err, config.DATABASE_URL);
          });
        if (o.output === undefined && request.format === 'parquet' && process.stdout.isTTY)
          throw new CliError('Parquet is binary: write it to a file with -o, or redirect stdout');
        let target: Writable;
        let partial: string | undefined;
        if (o.output === undefined) target = process.stdout;
        else {
          partial = `${o.output}.partial-${randomBytes(3).toString('hex')}`;
          // opened before the export starts, so a folder that does not exist (or is not writable)
          // is a one-line error naming -o, not an unhandled stream error
          const output = o.output;
          const handle = await open(partial, 'wx').catch((err: unknown) => {
            const code = (err as NodeJS.ErrnoException).code ?? '';
            const why =
              code === 'ENOENT'
                ? `the folder ${path.dirname(path.resolve(output))} does not exist`
                : code === 'EACCES'
                  ? `the folder ${path.dirname(path.resolve(output))} is not writable`
                  : (err as Error).message;
            throw new CliError(`-o: cannot write ${output}: ${why}`);
          });
          target = handle.createWriteStream();
        }
        try {
          const result = await exporter.export(request, target);
          if (partial !== undefined && o.output !== undefined) await rename(partial, o.output);
          const seconds = (Date.now() - started) / 1000;
          const where = o.output ?? `stdout (as a file: ${exportFileName(request)})`;
          process.stderr.write(
            `exported ${result.rows} rows of ${qualifiedName(request.table)} as ${request.format} ` +
              `(${(result.bytes / 1e6).toFixed(1)} MB) to ${where} in ${seconds.toFixed(1)} s\n`,
          );
        } catch (err) {
          if (partial !== undefined) await rm(partial, { force: true });
          throw databaseProblem(err, config.DATABASE_URL);
        }
      } finally {
        await exporter.close();
      }
    });
}
