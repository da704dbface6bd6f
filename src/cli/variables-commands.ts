/**
 * `heatflow variables get|set|list|delete|import|export`, as Airflow's `airflow variables`.
 * Values are encrypted at rest when HEATFLOW_FERNET_KEY is set; without it every write warns on
 * stderr. `list` prints keys, never values; `get` prints the value asked for (stdout only).
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { cliActor } from '../audit/event-log.js';
import { NotFoundError } from '../core/errors.js';
import { printNoFernetKeyWarningOnce } from '../secrets/no-key-warning.js';
import { secretStores, type SecretStores } from '../secrets/secret-stores.js';
import type { Runtime } from '../runtime/runtime.js';
import { CliError, withRuntime } from './context.js';
import { formatTable } from './text-table.js';

/** Runs `fn` with the stores; warns on stderr before a write when no key is set. */
export async function withSecretStores<T>(
  name: string,
  fn: (stores: SecretStores, rt: Runtime) => Promise<T>,
  options: { writes?: boolean } = {},
): Promise<T> {
  return withRuntime(name, async (rt) => {
    const stores = secretStores(rt.db, rt.config);
    if (options.writes === true && !stores.cipher.enabled) printNoFernetKeyWarningOnce();
    return fn(stores, rt);
  });
}

const change = (rt: Runtime) => ({ actor: cliActor(), log: rt.logger });

async function notFoundAsCli<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof NotFoundError) throw new CliError(err.message);
    throw err;
  }
}

export function registerVariablesCommands(program: Command): void {
  const variables = program
    .command('variables')
    .description('variables (key/value, JSON allowed), as Airflow');

  variables
    .command('get <key>')
    .description("print a variable's value (with --json, parsed and pretty-printed)")
    .option('-j, --json', 'deserialize the value as JSON')
    .option('-d, --default <value>', 'print this when the variable does not exist (exit 0)')
    .action(async (key: string, o: { json?: boolean; default?: string }) => {
      await withSecretStores('variables', async (s) => {
        const v = await s.variables.get(key);
        if (v === undefined) {
          if (o.default !== undefined) return void process.stdout.write(`${o.default}\n`);
          throw new CliError(`variable "${key}" does not exist`);
        }
        if (o.json !== true) return void process.stdout.write(`${v.value}\n`);
        try {
          process.stdout.write(`${JSON.stringify(JSON.parse(v.value), null, 2)}\n`);
        } catch {
          throw new CliError(`variable "${key}" is not JSON (read it without --json)`);
        }
      });
    });

  variables
    .command('set <key> <value>')
    .description('create or replace a variable')
    .option('-j, --json', 'the value is JSON: checked, and stored as compact JSON')
    .option('--description <text>', 'what the variable is for')
    .action(async (key: string, value: string, o: { json?: boolean; description?: string }) => {
      let stored = value;
      if (o.json === true) {
        try {
          stored = JSON.stringify(JSON.parse(value));
        } catch (err) {
          throw new CliError(`variable "${key}": --json value is not valid JSON (${(err as Error).message})`);
        }
      }
      await withSecretStores(
        'variables',
        async (s, rt) => {
          await s.variables.set(key, stored, o.description, change(rt));
          process.stderr.write(`variable "${key}" set${s.cipher.enabled ? ' (encrypted)' : ''}\n`);
        },
        { writes: true },
      );
    });

  variables
    .command('list')
    .description('variables: key, description, encrypted (never the values)')
    .option('--json', 'as JSON')
    .action(async (o: { json?: boolean }) => {
      await withSecretStores('variables', async (s) => {
        const { readable: all, unreadable } = await s.variables.listReadable();
        // one that cannot be decrypted is named on stderr; the others are still listed
        for (const u of unreadable) process.stderr.write(`WARNING: ${u.error}\n`);
        if (o.json === true) {
          const rows = [
            ...all.map((v) => ({ key: v.key, description: v.description, is_encrypted: v.isEncrypted })),
            ...unreadable.map((u) => ({
              key: u.id,
              description: null,
              is_encrypted: true,
              decrypt_error: u.error,
            })),
          ];
          return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        }
        process.stdout.write(
          formatTable(
            ['key', 'description', 'encrypted'],
            [
              ...all.map((v) => [v.key, v.description ?? '', v.isEncrypted ? 'yes' : 'no']),
              ...unreadable.map((u) => [u.id, '', 'CANNOT DECRYPT (wrong HEATFLOW_FERNET_KEY?)']),
            ],
          ),
        );
      });
    });

  variables
    .command('delete <key>')
    .description('delete a variable')
    .action(async (key: string) => {
      await withSecretStores('variables', async (s, rt) =>
        notFoundAsCli(async () => {
          await s.variables.delete(key, change(rt));
          process.stderr.write(`variable "${key}" deleted\n`);
        }),
      );
    });

  variables
    .command('import <file>')
    .description('set every key of a JSON object file (Airflow\'s format: {"key": value, …})')
    .action(async (file: string) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(file, 'utf8'));
      } catch (err) {
        throw new CliError(`variables import: cannot read ${file} as JSON: ${(err as Error).message}`);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new CliError(`variables import: ${file} must hold a JSON object of key: value`);
      await withSecretStores(
        'variables',
        async (s, rt) => {
          const keys = await s.variables.importObject(parsed as Record<string, unknown>, change(rt));
          process.stderr.write(`${keys.length} variable(s) imported from ${file}\n`);
        },
        { writes: true },
      );
    });

  variables
    .command('export <file>')
    .description(
      'write every variable to a JSON object file (mode 0600: it holds the secrets; "-" for stdout)',
    )
    .action(async (file: string) => {
      await withSecretStores('variables', async (s) => {
        const all = await s.variables.exportObject();
        const text = `${JSON.stringify(all, null, 2)}\n`;
        if (file === '-') process.stdout.write(text);
        else {
          await writeFile(file, text, { mode: 0o600 });
          process.stderr.write(`${Object.keys(all).length} variable(s) exported to ${file}\n`);
        }
      });
    });
}
