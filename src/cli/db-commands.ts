/**
 * `heatflow db check` and `heatflow db reset`, as Airflow 2's: does the metadata database answer;
 * burn it down and rebuild it (asks first).
 */
import type { Command } from 'commander';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { maskUrlPassword } from '../config/mask-secret.js';
import { createDb, ensureDatabase } from '../db/connection.js';
import { resetDatabase, MANAGED_SCHEMAS } from '../db/reset.js';
import { heatflowTableCount, postgresServerVersion } from '../db/server-info.js';
import { deletePrefixedKeys } from '../runtime/redis-prefix-keys.js';
import { cliSetup, CliError } from './context.js';
import { confirmOrRefuse } from './confirm.js';

/** How long `db check` waits for an answer, in ms. */
const CHECK_TIMEOUT_MS = 10_000;

/** Registers `check` and `reset` under the `db` command. */
export function registerDbCommands(db: Command): void {
  db.command('check')
    .description('check that the database answers (exit 0), or say why not (exit 1)')
    .action(async () => {
      const { config } = cliSetup('db');
      const where = `Postgres at ${maskUrlPassword(config.DATABASE_URL)} (DATABASE_URL)`;
      const kdb = createDb(config.DATABASE_URL, { max: 1, applicationName: 'heatflow-db-check' });
      let timer: NodeJS.Timeout | undefined;
      try {
        const answer = (async () => {
          const version = await postgresServerVersion(kdb as Kysely<unknown>);
          return { version, tables: await heatflowTableCount(kdb as Kysely<unknown>) };
        })();
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
            CHECK_TIMEOUT_MS,
          );
        });
        const { version, tables } = await Promise.race([answer, timeout]);
        process.stdout.write(
          `Connection successful: ${where}, PostgreSQL ${version}${tables === 0 ? '; not migrated yet (heatflow db migrate)' : ''}\n`,
        );
      } catch (err) {
        throw new CliError(`cannot use ${where}: ${maskUrlPassword((err as Error).message)}`);
      } finally {
        clearTimeout(timer);
        await kdb.destroy().catch(() => undefined);
      }
    });

  db.command('reset')
    .description(
      `drop the schemas ${MANAGED_SCHEMAS.join(', ')} and re-create them, and delete the deployment's Redis keys (XComs, queue; asks first; all data is lost)`,
    )
    .option('-y, --yes', 'do not ask (needed when stdin is not a terminal)')
    .option('--keep-redis', 'leave the Redis keys of HEATFLOW_REDIS_PREFIX (XComs, queue) as they are')
    .action(async (o: { yes?: boolean; keepRedis?: boolean }) => {
      const { config } = cliSetup('db');
      const where = maskUrlPassword(config.DATABASE_URL);
      const keys = `${config.HEATFLOW_REDIS_PREFIX}:*`;
      const go = await confirmOrRefuse(
        `drop and re-create the schemas ${MANAGED_SCHEMAS.join(', ')} of ${where}${o.keepRedis === true ? '' : ` and delete the Redis keys ${keys}`}? All their data will be lost.`,
        o.yes,
        `database ${where} not reset`,
      );
      if (!go) {
        process.stdout.write('cancelled: nothing reset\n');
        return;
      }
      // Redis first: when it does not answer, nothing is reset (the database's XComs live there)
      let redisNote = '';
      if (o.keepRedis !== true) {
        const redis = new Redis(config.REDIS_URL, {
          lazyConnect: true,
          maxRetriesPerRequest: 1,
          connectTimeout: 10_000,
          retryStrategy: () => null,
        });
        try {
          await redis.connect();
          const n = await deletePrefixedKeys(redis, config.HEATFLOW_REDIS_PREFIX);
          redisNote = `; ${n} Redis key${n === 1 ? '' : 's'} ${keys} deleted`;
        } catch (err) {
          throw new CliError(
            `nothing reset: Redis at ${maskUrlPassword(config.REDIS_URL)} (REDIS_URL) did not answer: ${maskUrlPassword((err as Error).message)}; start it, or pass --keep-redis`,
          );
        } finally {
          redis.disconnect();
        }
      }
      await ensureDatabase(config.DATABASE_URL);
      const kdb = createDb(config.DATABASE_URL, { max: 2, applicationName: 'heatflow-db-reset' });
      try {
        const outcome = await resetDatabase(kdb as Kysely<unknown>);
        process.stdout.write(
          `database ${where} reset: ${MANAGED_SCHEMAS.join(', ')} dropped, ${outcome.applied.length} migrations applied${redisNote}\n`,
        );
      } finally {
        await kdb.destroy();
      }
    });
}
