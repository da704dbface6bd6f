/**
 * BullMQ is the transport only: one job per task-instance try, with a deterministic job id, so
 * enqueuing the same try twice is harmless. Postgres holds every state; a job whose task instance
 * is no longer `queued` with the same lease token is acknowledged and dropped by the worker.
 */
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { z } from 'zod';
import { jobIdFor } from '../core/run-id.js';

/** Name of the queue of task tries (keys `<prefix>:tasks:*`). BullMQ forbids `:` in queue names. */
export const TASK_QUEUE_NAME = 'tasks';

/** Payload of one job: the try to run and its fencing token. */
export const taskJobSchema = z.object({
  dagId: z.string().min(1),
  runId: z.string().min(1),
  taskId: z.string().min(1),
  tryNumber: z.number().int().min(1),
  leaseToken: z.string().min(1),
});
export type TaskJob = z.infer<typeof taskJobSchema>;

/**
 * Deterministic BullMQ job id of a try (`jobIdFor` of `src/core/run-id.ts`: readable, no `:`,
 * never all digits, which BullMQ rejects).
 */
export function jobIdOf(job: Pick<TaskJob, 'dagId' | 'runId' | 'taskId' | 'tryNumber'>): string {
  return jobIdFor(job.dagId, job.runId, job.taskId, job.tryNumber);
}

/** Redis connection options for BullMQ (workers need `maxRetriesPerRequest: null`, bullmq #648). */
export function bullConnection(redisUrl: string): ConnectionOptions {
  const u = new URL(redisUrl);
  return {
    host: u.hostname,
    port: u.port === '' ? 6379 : Number(u.port),
    ...(u.username === '' ? {} : { username: decodeURIComponent(u.username) }),
    ...(u.password === '' ? {} : { password: decodeURIComponent(u.password) }),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

const JOB_OPTIONS: JobsOptions = {
  // The scheduler, not BullMQ, owns retries: one BullMQ attempt per try.
  attempts: 1,
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
};

/** Producer side of the task queue. */
export class TaskQueue {
  readonly queue: Queue;

  constructor(redisUrl: string, prefix: string) {
    this.queue = new Queue(TASK_QUEUE_NAME, { connection: bullConnection(redisUrl), prefix });
  }

  /** Adds the jobs of these tries; a try whose job already exists is left as it is. */
  async enqueue(jobs: readonly TaskJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(
      jobs.map((data) => ({ name: 'try', data, opts: { ...JOB_OPTIONS, jobId: jobIdOf(data) } })),
    );
  }

  /**
   * Makes sure a try has a live job: re-adds it when the job is missing, or removes and re-adds it
   * when BullMQ holds it as failed or completed (e.g. a worker crashed before recording).
   * @returns what was found: `waiting` (left alone), `readded`
   */
  async ensure(job: TaskJob): Promise<'present' | 'readded'> {
    const id = jobIdOf(job);
    const existing = await this.queue.getJob(id);
    if (existing !== undefined) {
      const state = await existing.getState();
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return 'present';
      await existing.remove().catch(() => undefined);
    }
    await this.enqueue([job]);
    return 'readded';
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
