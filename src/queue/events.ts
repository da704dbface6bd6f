/**
 * Completion events: a worker's final state write is followed by a message on Redis pub/sub, which
 * wakes every scheduler at once so downstream tasks do not wait for a polling loop (Airflow #41884).
 * Events are hints: a lost one only delays work until the scheduler's next reconciling pass.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';

const eventSchema = z.object({
  kind: z.enum(['ti_finished', 'run_created', 'cleared']),
  dagId: z.string(),
  runId: z.string().optional(),
  taskId: z.string().optional(),
});
/** A scheduling hint. */
export type SchedulerEvent = z.infer<typeof eventSchema>;

/** The pub/sub channel of scheduling events. */
export const eventsChannel = (prefix: string): string => `${prefix}:events`;

/** Publishes an event (fire and forget: errors are returned, not thrown). */
export async function publishEvent(redis: Redis, prefix: string, event: SchedulerEvent): Promise<void> {
  await redis.publish(eventsChannel(prefix), JSON.stringify(event));
}

/**
 * Subscribes a dedicated connection to the events channel.
 * @returns a function that unsubscribes
 */
export async function subscribeEvents(
  subscriber: Redis,
  prefix: string,
  onEvent: (event: SchedulerEvent) => void,
): Promise<() => Promise<void>> {
  const channel = eventsChannel(prefix);
  const listener = (ch: string, message: string) => {
    if (ch !== channel) return;
    try {
      onEvent(eventSchema.parse(JSON.parse(message)));
    } catch {
      // not ours or malformed: ignore (events are hints)
    }
  };
  subscriber.on('message', listener);
  await subscriber.subscribe(channel);
  return async () => {
    subscriber.off('message', listener);
    await subscriber.unsubscribe(channel);
  };
}
