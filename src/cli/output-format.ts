/**
 * The output options of the listing commands: `-o, --output table|json` as Airflow's CLI, and
 * `--json` (the shorthand `dags list` has) for `-o json`.
 */
import type { Command } from 'commander';
import { CliError } from './context.js';
import { formatTable } from './text-table.js';

/** How a listing is printed. */
export type OutputFormat =
  /** aligned columns ({@link formatTable}) */
  | 'table'
  /** pretty-printed JSON */
  | 'json';

/** The parsed options that {@link addOutputOptions} adds. */
export interface OutputOptions {
  output?: string;
  json?: boolean;
}

/** Adds `-o, --output <format>` and `--json` to a command. */
export function addOutputOptions(cmd: Command): Command {
  return cmd
    .option('-o, --output <format>', 'table | json', 'table')
    .option('--json', 'print JSON (same as -o json)');
}

/** The chosen format. @throws CliError naming --output when it is neither table nor json */
export function outputFormatOf(o: OutputOptions): OutputFormat {
  if (o.json === true) return 'json';
  const f = o.output ?? 'table';
  if (f !== 'table' && f !== 'json') throw new CliError(`--output must be table or json, got "${f}"`);
  return f;
}

/**
 * Prints rows as a table or as a JSON array of objects keyed by the header.
 * @param rows - cells by column, as text
 */
export function printRows(
  format: OutputFormat,
  header: readonly string[],
  rows: readonly (readonly string[])[],
  json: readonly unknown[] = rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? null]))),
): void {
  if (format === 'json') process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  else process.stdout.write(formatTable(header, rows));
}
