/**
 * `heatflow jobs check`, as Airflow 2's: exit 0 when a live scheduler or worker heartbeat is found
 * (for health checks, e.g. in docker-compose.yaml), exit 1 "No alive jobs found." otherwise.
 */
import type { Command } from 'commander';
import { findAliveJobs, JOB_TYPES, type JobType } from '../runtime/job-liveness.js';
import { CliError, parsePositiveInt, withRuntime } from './context.js';

/** Registers `jobs check`. */
export function registerJobsCommands(program: Command): void {
  const jobs = program.command('jobs').description('schedulers and workers');
  jobs
    .command('check')
    .description('exit 0 when a live scheduler or worker heartbeat is found, 1 otherwise')
    .option('--job-type <type>', `only this type (${JOB_TYPES.join(', ')})`)
    .option('--hostname <host>', 'only jobs of this host')
    .option('--limit <n>', 'how many alive jobs to list at most', '1')
    .option('--allow-multiple', 'accepted for Airflow compatibility (any number of alive jobs is fine)')
    .action(async (o: { jobType?: string; hostname?: string; limit: string }) => {
      if (o.jobType !== undefined && !(JOB_TYPES as readonly string[]).includes(o.jobType))
        throw new CliError(`--job-type must be ${JOB_TYPES.join(' or ')}, got "${o.jobType}"`);
      const limit = parsePositiveInt('--limit', o.limit);
      await withRuntime('jobs', async (rt) => {
        const alive = await findAliveJobs(rt.redis, rt.config.HEATFLOW_REDIS_PREFIX, {
          ...(o.jobType === undefined ? {} : { jobType: o.jobType as JobType }),
          ...(o.hostname === undefined ? {} : { hostname: o.hostname }),
          limit,
        });
        if (alive.length === 0) throw new CliError('No alive jobs found.');
        for (const j of alive)
          process.stdout.write(
            `${j.jobType} ${j.id} alive, latest heartbeat ${j.latestHeartbeatAt.toISOString()}\n`,
          );
        process.stdout.write(`Found ${alive.length} alive job${alive.length === 1 ? '' : 's'}.\n`);
      });
    });
}
