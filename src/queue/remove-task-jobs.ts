/**
 * Removes the BullMQ jobs of a deleted DAG's (or DAG run's) tries. A job id is deterministic per
 * try (`jobIdFor`), and BullMQ keeps finished jobs (`removeOnComplete`/`removeOnFail` counts) and
 * ignores an add whose id exists: once the runs are deleted, a run re-created at the same logical
 * date starts again at try 1, and the old finished job would swallow the new one until the
 * queued-try timeout re-adds it (found by a trial: 120 s per task after `dags delete`).
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobIdPrefix } from '../core/run-id.js';
import { TASK_QUEUE_NAME } from './task-queue.js';

/**
 * Removes every job of `dagId` (or of its run `runId`) that is not being run: waiting, delayed,
 * prioritized, completed, failed. An active job is left to its worker, which finds its task
 * instance gone at its next fenced write.
 * @returns how many jobs were removed
 * @throws Error from ioredis when Redis does not answer
 */
export async function removeTaskJobs(
  redis: Redis,
  prefix: string,
  dagId: string,
  runId?: string,
): Promise<number> {
  // a shared connection: BullMQ does not close it with the queue
  const queue = new Queue(TASK_QUEUE_NAME, { connection: redis, prefix });
  try {
    const start = jobIdPrefix(dagId, runId);
    const jobs = await queue.getJobs(
      ['wait', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'],
      0,
      -1,
    );
    let removed = 0;
    for (const job of jobs) {
      if (job.id === undefined || !job.id.startsWith(start)) continue;
      try {
        await job.remove();
        removed++;
      } catch {
        // taken by a worker meanwhile: its worker finishes it, fenced
      }
    }
    return removed;
  } finally {
    await queue.close();
  }
}
