/**
 * `heatflow pools …`: list, set, delete, import, export (Airflow's `airflow pools` verbs). Each
 * change is recorded in the event log (`pool.set`, `pool.delete`) with the CLI's actor.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { cliActor, recordEvent } from '../audit/event-log.js';
import { idProblem } from '../core/ids.js';
import { deletePool, DEFAULT_POOL, getPool, listPools, setPool } from '../db/pool-repository.js';
import type { Runtime } from '../runtime/runtime.js';
import { CliError, withRuntime } from './context.js';
import { formatTable } from './text-table.js';

/** Parses a pool name argument. @throws CliError naming NAME */
function poolName(value: string): string {
  const problem = idProblem('dag_id', value);
  if (problem !== undefined) throw new CliError(`NAME "${value}": ${problem}`);
  return value;
}

/** Parses a slots argument (an integer ≥ 0). @throws CliError naming the field */
function poolSlots(field: string, value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 1_000_000)
    throw new CliError(`${field} must be an integer from 0 to 1000000, got ${JSON.stringify(value)}`);
  return n;
}

/** Sets a pool and records `pool.set`. */
async function setAndRecord(rt: Runtime, name: string, slots: number, description: string | undefined) {
  const before = await getPool(rt.db, name);
  const { created } = await setPool(rt.db, name, slots, description);
  await recordEvent(
    rt.db,
    cliActor(),
    {
      event: 'pool.set',
      extra: {
        pool: name,
        slots,
        created,
        ...(before === undefined ? {} : { previous_slots: before.slots }),
      },
    },
    rt.logger,
  );
  return created;
}

export function registerPoolsCommands(program: Command): void {
  const pools = program.command('pools').description('pools: named slots that task tries take');

  pools
    .command('list')
    .description('list the pools with their slots in use')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      await withRuntime('pools', async (rt) => {
        const { pools: rows } = await listPools(rt.db);
        if (o.json === true) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          formatTable(
            ['pool', 'slots', 'running', 'queued', 'open', 'description'],
            rows.map((p) => [
              p.name,
              String(p.slots),
              String(p.runningSlots),
              String(p.queuedSlots),
              String(p.openSlots),
              p.description ?? '',
            ]),
          ),
        );
      });
    });

  pools
    .command('set <name> <slots> [description]')
    .description('create a pool or change its slots (and description); wins over DAG code')
    .action(async (nameArg: string, slotsArg: string, description: string | undefined) => {
      const name = poolName(nameArg);
      const slots = poolSlots('SLOTS', slotsArg);
      await withRuntime('pools', async (rt) => {
        const created = await setAndRecord(rt, name, slots, description);
        process.stdout.write(`pool ${name}: ${slots} slots (${created ? 'created' : 'updated'})\n`);
      });
    });

  pools
    .command('delete <name>')
    .description(`delete a pool (not ${DEFAULT_POOL})`)
    .action(async (nameArg: string) => {
      const name = poolName(nameArg);
      if (name === DEFAULT_POOL) throw new CliError(`the pool "${DEFAULT_POOL}" cannot be deleted`);
      await withRuntime('pools', async (rt) => {
        if (!(await deletePool(rt.db, name))) throw new CliError(`pool "${name}" not found`);
        await recordEvent(rt.db, cliActor(), { event: 'pool.delete', extra: { pool: name } }, rt.logger);
        process.stdout.write(`pool ${name} deleted\n`);
      });
    });

  pools
    .command('export <file>')
    .description('write every pool to a JSON file: { "<name>": { "slots": n, "description": "…" } }')
    .action(async (file: string) => {
      await withRuntime('pools', async (rt) => {
        const { pools: rows } = await listPools(rt.db);
        const out = Object.fromEntries(
          rows.map((p) => [p.name, { slots: p.slots, description: p.description }]),
        );
        await writeFile(file, `${JSON.stringify(out, null, 2)}\n`);
        process.stdout.write(`${rows.length} pools written to ${file}\n`);
      });
    });

  pools
    .command('import <file>')
    .description('create or update the pools of a JSON file written by `pools export`')
    .action(async (file: string) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(file, 'utf8'));
      } catch (err) {
        throw new CliError(`${file}: ${(err as Error).message}`);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new CliError(`${file}: expected a JSON object of pools by name`);
      const entries = Object.entries(parsed as Record<string, unknown>).map(([name, spec]) => {
        if (idProblem('dag_id', name) !== undefined)
          throw new CliError(`${file}: pool "${name}": ${idProblem('dag_id', name) ?? ''}`);
        const s = (spec ?? {}) as { slots?: unknown; description?: unknown };
        const slots = poolSlots(`${file}: ${name}.slots`, s.slots);
        if (s.description !== undefined && s.description !== null && typeof s.description !== 'string')
          throw new CliError(`${file}: ${name}.description must be a string`);
        return { name, slots, description: s.description ?? undefined };
      });
      await withRuntime('pools', async (rt) => {
        for (const e of entries) await setAndRecord(rt, e.name, e.slots, e.description);
        process.stdout.write(`${entries.length} pools imported from ${file}\n`);
      });
    });
}
