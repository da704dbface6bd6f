/**
 * `heatflow users create|reset-password` through the real CLI (child processes from source,
 * passwords on stdin) against real Postgres: as Airflow's, `create` refuses a name that exists
 * (exit 1, naming the user and the verb that changes a password) and leaves its password alone;
 * `reset-password` changes it; invalid option values exit 1 as in the rest of the CLI (README:
 * 2 only for a wrong command line).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getUser } from '../../src/db/user-repository.js';
import { verifyPassword } from '../../src/web/password-hash.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';
import { runCli } from '../helpers/run-cli.js';

let h: TestOrchestrator;
/** per test: several CLI starts from source, seconds each on a loaded machine */
const T = 240_000;
const cli = (args: string[], input?: string) =>
  runCli(args, h.env, { timeoutMs: 200_000, ...(input === undefined ? {} : { input }) });
const hashOf = async (username: string) => (await getUser(h.rt.db, username))?.password_hash ?? '';

beforeAll(async () => {
  h = await createTestOrchestrator('cliusers');
}, 120_000);
afterAll(async () => h.cleanup());

describe('heatflow users', () => {
  it(
    'create refuses an existing user (exit 1, password unchanged); reset-password changes it',
    async () => {
      const created = await cli(['users', 'create', '-u', 'bob', '--password-stdin'], 'first-password\n');
      expect(created.code, created.err).toBe(0);
      expect(created.out).toBe('created user bob\n');

      const again = await cli(['users', 'create', '-u', 'bob', '--password-stdin'], 'second-password\n');
      expect(again.code).toBe(1);
      expect(again.err).toBe(
        'heatflow: user "bob" already exists; to change its password: heatflow users reset-password --username bob\n',
      );
      expect(await verifyPassword('first-password', await hashOf('bob'))).toBe(true);

      const reset = await cli(
        ['users', 'reset-password', '--username', 'bob', '--password-stdin'],
        'second-password\n',
      );
      expect(reset.code, reset.err).toBe(0);
      expect(reset.out).toBe('changed the password of user bob\n');
      expect(await verifyPassword('second-password', await hashOf('bob'))).toBe(true);

      const nobody = await cli(
        ['users', 'reset-password', '-u', 'nobody', '--password-stdin'],
        'x-password\n',
      );
      expect(nobody.code).toBe(1);
      expect(nobody.err).toContain('no user "nobody"');
      expect(await getUser(h.rt.db, 'nobody')).toBeUndefined();

      const events = await h.rt.db
        .selectFrom('heatflow.log')
        .select(['event', 'extra', 'source'])
        .where('event', 'like', 'user.%')
        .orderBy('id')
        .execute();
      expect(events).toEqual([
        { event: 'user.create', extra: { username: 'bob' }, source: 'cli' },
        { event: 'user.password', extra: { username: 'bob' }, source: 'cli' },
      ]);
    },
    T,
  );

  it(
    'exits 1 for an invalid option value and 2 for a wrong command line, as the other commands',
    async () => {
      const [short, badName, badRole, missing] = await Promise.all([
        cli(['users', 'create', '-u', 'carol', '--password-stdin'], 'short\n'),
        cli(['users', 'create', '-u', 'no spaces', '--password-stdin'], 'long-enough-1\n'),
        cli(['users', 'create', '-u', 'carol', '--role', 'viewer', '--password-stdin'], 'long-enough-1\n'),
        cli(['users', 'create', '--password-stdin'], 'long-enough-1\n'),
      ]);
      expect(short.code).toBe(1);
      expect(short.err).toContain('the password must have at least 8 characters');
      expect(badName.code).toBe(1);
      expect(badName.err).toContain('invalid --username');
      expect(badRole.code).toBe(1);
      expect(badRole.err).toContain('invalid --role');
      expect(missing.code).toBe(2);
      expect(missing.err).toContain("required option '-u, --username <name>' not specified");
      expect(await getUser(h.rt.db, 'carol')).toBeUndefined();
    },
    T,
  );
});
