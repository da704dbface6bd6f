/**
 * `heatflow heating report [--year Y] [--zone N] [--home H] [--monthly] [--json]`: the heating
 * analysis of a year as stored in schema `analytics` by heating_analytics (docs/analytics.md),
 * and what of that year's stored data is flagged, not measured (as the demo's summary says it).
 * Thin: parses the options, reads the report and the flag counts, prints them.
 */
import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import { openAnalyticsStore } from '../db/analytics-repository.js';
import { createDb } from '../db/connection.js';
import type { WarehouseDatabase } from '../db/warehouse.js';
import { countWarehouseFlags, flagCountsJson, flagCountsLine } from '../db/warehouse-flags.js';
import type { HeatingReportQuery } from '../db/analytics-records.js';
import { CliError, cliSetup } from './context.js';
import { formatHeatingReport } from './heating-report-format.js';
import { reportQueryProblem } from './heating-report-scope.js';

interface ReportOptions {
  year: string;
  zone?: string;
  home?: string;
  monthly?: boolean;
  json?: boolean;
}

/** `--year` as a calendar year. @throws CliError naming the option and the value */
function parseYear(value: string): number {
  const n = Number(value);
  if (!/^\d{4}$/.test(value.trim()) || !Number.isInteger(n)) {
    throw new CliError(`--year must be a year like 2022, got "${value}"`);
  }
  return n;
}

/** A zone or home id: an integer ≥ 0. @throws CliError naming the option */
function parseId(option: string, value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new CliError(`${option} must be an integer ≥ 0, got "${value}"`);
  return Number(value);
}

export function registerHeatingCommands(program: Command): void {
  const heating = program.command('heating').description('the heating analysis (schema analytics)');
  heating
    .command('report')
    .description('yearly heating figures, the energy signature and weather dependence, and the unusual days')
    .option('--year <year>', 'calendar year', '2022')
    .option('--zone <id>', 'one zone only')
    .option('--home <id>', 'one home only (default: every home)')
    .option('--monthly', 'add monthly heating hours and HDD')
    .option('--json', 'print the report as JSON')
    .action(async (o: ReportOptions) => {
      const query: HeatingReportQuery = {
        year: parseYear(o.year),
        ...(o.zone === undefined ? {} : { zoneId: parseId('--zone', o.zone) }),
        ...(o.home === undefined ? {} : { homeId: parseId('--home', o.home) }),
      };
      const { config } = cliSetup('heating');
      const { repository, close } = openAnalyticsStore(config.DATABASE_URL, 'heatflow-cli');
      // schema tado's flag counts (WarehouseDatabase types its dates as Date: its own pool)
      const warehouse = createDb(config.DATABASE_URL, {
        max: 1,
        applicationName: 'heatflow-cli',
      }) as unknown as Kysely<WarehouseDatabase>;
      try {
        const { report, coverage, flagged } = await Promise.all([
          repository.readHeatingReport(query),
          repository.readReportCoverage(),
          countWarehouseFlags(warehouse, query),
        ])
          .then(([r, c, f]) => ({ report: r, coverage: c, flagged: f }))
          .catch((err: unknown) => {
            const e = err as { code?: string; message?: string };
            if (e.code === '3F000' || e.code === '42P01') {
              throw new CliError(
                `schema analytics is missing in ${config.DATABASE_URL.replace(/\/\/[^@]*@/, '//…@')}: run \`heatflow db migrate\``,
              );
            }
            if (e.code === 'ECONNREFUSED')
              throw new CliError(`cannot reach Postgres (DATABASE_URL): ${e.message ?? ''}`);
            throw err;
          });
        const problem = reportQueryProblem(query, coverage);
        if (problem !== undefined) throw new CliError(problem);
        // the flagged data of the report's year, home and zone, in the demo summary's words
        const of = `${query.year}${query.homeId === undefined ? '' : `, home ${query.homeId}`}${query.zoneId === undefined ? '' : `, zone ${query.zoneId}`}`;
        process.stdout.write(
          o.json === true
            ? `${JSON.stringify({ ...report, flagged: flagCountsJson(flagged) }, null, 2)}\n`
            : `${formatHeatingReport(report, { monthly: o.monthly === true })}${flagCountsLine(flagged, of)}\n`,
        );
      } finally {
        await close();
        await warehouse.destroy();
      }
    });
}
