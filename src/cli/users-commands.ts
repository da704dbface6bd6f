/**
 * `heatflow users create|list|delete|hash`: the people who sign in to the web page (Airflow's
 * `airflow users` verbs). Passwords are read from standard input (`--password-stdin`) or asked for
 * on the terminal, never taken as an argument (it would stay in the shell history and `ps`).
 */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { recordEvent, cliActor } from '../audit/event-log.js';
import { deleteUser, listUsers, upsertUser } from '../db/user-repository.js';
import { idProblem } from '../core/ids.js';
import { hashPassword } from '../web/password-hash.js';
import { CliError, withRuntime } from './context.js';

/** The smallest password length accepted. */
const MIN_PASSWORD = 8;

/** Reads the password: all of stdin (one trailing newline dropped), or a prompt on a terminal. */
async function readPassword(fromStdin: boolean): Promise<string> {
  let password: string;
  if (fromStdin || !process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    password = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  } else {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    password = await rl.question('password: ');
    rl.close();
  }
  if (password.length < MIN_PASSWORD)
    throw new CliError(`the password must have at least ${MIN_PASSWORD} characters`, 2);
  return password;
}

function checkUsername(username: string): string {
  const problem = idProblem('dag_id', username);
  if (problem !== undefined) throw new CliError(`invalid --username: ${problem}`, 2);
  return username;
}

/** Registers the `users` commands. */
export function registerUsersCommands(program: Command): void {
  const users = program.command('users').description('people who sign in to the web page');

  users
    .command('create')
    .description('create a user, or set the password of an existing one')
    .requiredOption('-u, --username <name>', 'letters, digits, _ - . (at most 250)')
    .option('--password-stdin', 'read the password from standard input')
    .option('-r, --role <role>', 'role (only admin for now)', 'admin')
    .action(async (o: { username: string; passwordStdin?: boolean; role: string }) => {
      const username = checkUsername(o.username);
      if (o.role !== 'admin') throw new CliError('invalid --role: only admin is known', 2);
      const passwordHash = await hashPassword(await readPassword(o.passwordStdin === true));
      await withRuntime('users', async (rt) => {
        const created = await upsertUser(rt.db, { username, passwordHash, role: o.role });
        await recordEvent(rt.db, cliActor(), {
          event: created ? 'user.create' : 'user.password',
          extra: { username },
        });
        process.stdout.write(`${created ? 'created' : 'updated the password of'} user ${username}\n`);
      });
    });

  users
    .command('list')
    .description('list the users')
    .option('--json', 'JSON')
    .action(async (o: { json?: boolean }) => {
      await withRuntime('users', async (rt) => {
        const rows = await listUsers(rt.db);
        if (o.json === true) {
          const out = rows.map((r) => ({ username: r.username, role: r.role, created_at: r.created_at }));
          process.stdout.write(`${JSON.stringify(out)}\n`);
          return;
        }
        for (const r of rows)
          process.stdout.write(`${r.username}\t${r.role}\t${r.created_at.toISOString()}\n`);
        if (rows.length === 0) process.stdout.write('no users\n');
      });
    });

  users
    .command('delete')
    .description('delete a user')
    .requiredOption('-u, --username <name>', 'the user')
    .action(async (o: { username: string }) => {
      await withRuntime('users', async (rt) => {
        if (!(await deleteUser(rt.db, o.username)))
          throw new CliError(`no user ${JSON.stringify(o.username)}`);
        await recordEvent(rt.db, cliActor(), { event: 'user.delete', extra: { username: o.username } });
        process.stdout.write(`deleted user ${o.username}\n`);
      });
    });

  users
    .command('hash')
    .description('print the hash of a password, for HEATFLOW_WEB_USERS (name:hash)')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (o: { passwordStdin?: boolean }) => {
      process.stdout.write(`${await hashPassword(await readPassword(o.passwordStdin === true))}\n`);
    });
}
