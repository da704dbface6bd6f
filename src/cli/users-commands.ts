/**
 * `heatflow users create|reset-password|list|delete|hash`: the people who sign in to the web page
 * (Airflow's `airflow users` verbs). As Airflow's, `create` refuses a name that exists and
 * `reset-password` changes the password of one that does. Passwords are read from standard input
 * (`--password-stdin`) or asked for on the terminal, never taken as an argument (it would stay in
 * the shell history and `ps`). An invalid option value exits 1, as in every other command (2 is
 * for a wrong command line: unknown command, missing option).
 */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { recordEvent, cliActor } from '../audit/event-log.js';
import { createUser, deleteUser, getUser, listUsers, setUserPassword } from '../db/user-repository.js';
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
    throw new CliError(`the password must have at least ${MIN_PASSWORD} characters`);
  return password;
}

function checkUsername(username: string): string {
  const problem = idProblem('dag_id', username);
  if (problem !== undefined) throw new CliError(`invalid --username: ${problem}`);
  return username;
}

/** `users create` of a name that exists: Airflow's "already exist in the db", with the verb to use. */
const alreadyExists = (username: string) =>
  new CliError(
    `user ${JSON.stringify(username)} already exists; to change its password: heatflow users reset-password --username ${username}`,
  );

const noSuchUser = (username: string) =>
  new CliError(`no user ${JSON.stringify(username)} (heatflow users list shows them)`);

/** Registers the `users` commands. */
export function registerUsersCommands(program: Command): void {
  const users = program.command('users').description('people who sign in to the web page');

  users
    .command('create')
    .description('create a user (refused when the name exists: see reset-password)')
    .requiredOption('-u, --username <name>', 'letters, digits, _ - . (at most 250)')
    .option('--password-stdin', 'read the password from standard input')
    .option('-r, --role <role>', 'role (only admin for now)', 'admin')
    .action(async (o: { username: string; passwordStdin?: boolean; role: string }) => {
      const username = checkUsername(o.username);
      if (o.role !== 'admin') throw new CliError('invalid --role: only admin is known');
      await withRuntime('users', async (rt) => {
        // checked before the password is asked for, and again by the insert (a create at the same time)
        if ((await getUser(rt.db, username)) !== undefined) throw alreadyExists(username);
        const passwordHash = await hashPassword(await readPassword(o.passwordStdin === true));
        if (!(await createUser(rt.db, { username, passwordHash, role: o.role })))
          throw alreadyExists(username);
        await recordEvent(rt.db, cliActor(), { event: 'user.create', extra: { username } }, rt.logger);
        process.stdout.write(`created user ${username}\n`);
      });
    });

  users
    .command('reset-password')
    .description("set a new password for an existing user (ends that user's web sessions)")
    .requiredOption('-u, --username <name>', 'the user')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (o: { username: string; passwordStdin?: boolean }) => {
      const username = checkUsername(o.username);
      await withRuntime('users', async (rt) => {
        if ((await getUser(rt.db, username)) === undefined) throw noSuchUser(username);
        const passwordHash = await hashPassword(await readPassword(o.passwordStdin === true));
        if (!(await setUserPassword(rt.db, username, passwordHash))) throw noSuchUser(username);
        await recordEvent(rt.db, cliActor(), { event: 'user.password', extra: { username } }, rt.logger);
        process.stdout.write(`changed the password of user ${username}\n`);
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
        if (!(await deleteUser(rt.db, o.username))) throw noSuchUser(o.username);
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
