/**
 * One daily run of the resample step as a task program does it (a date and its two neighbours,
 * every HEATING zone: what an asset-triggered run of heating_analytics analyses): a fresh process
 * that connects, reads clean's file, builds the grid and replaces the zone-days' rows.
 * bench/resample-engines.ts bundles it with esbuild (as scripts/build-task-programs.ts bundles the
 * task programs; DuckDB's native package stays external) and runs the bundle under GNU time with
 * the task programs' Node.js flags:
 *
 *   node --no-opt run-day.cjs --engine ts|postgres|duckdb --write product|server|binary|csv
 *     --db URL --table NAME --clean FILE
 *
 * Prints one JSON object: the time from the process's start to this module's first line
 * (`startupMs`), the phases, and the CPU of its Postgres backends (`serverCpuMs`).
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { processCpuMs } from './measure.js';
import { endToEnd, type Engine, type WritePath } from './pipelines.js';

async function main(): Promise<void> {
  const startupMs = performance.now();
  const { values: o } = parseArgs({
    options: {
      engine: { type: 'string' },
      write: { type: 'string' },
      db: { type: 'string' },
      table: { type: 'string', default: '' },
      clean: { type: 'string' },
    },
  });
  if (o.db === undefined || o.clean === undefined) throw new Error('--db and --clean are required');
  const t0 = performance.now();
  const client = new pg.Client({ connectionString: o.db });
  await client.connect();
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
  const connectMs = performance.now() - t0;
  const phases = await endToEnd(o.engine as Engine, o.write as WritePath, {
    client,
    databaseUrl: o.db,
    table: o.table,
    cleanFile: o.clean,
  });
  const serverCpuMs = processCpuMs(pid) + phases.extraServerCpuMs;
  await client.end();
  const totalMs = performance.now();
  process.stdout.write(`${JSON.stringify({ startupMs, connectMs, phases, serverCpuMs, totalMs })}\n`);
}

// ends the process as the task SDK does (src/task-sdk/run-task.ts: `process.exit`): a pg pool's
// idle timer would otherwise keep it alive 10 s after the repository's pool was closed
main().then(
  () => process.stdout.write('', () => process.exit(0)),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
