/**
 * Watches the executor's backend (the Docker engine) once a try found it unreachable: the worker
 * stops taking tries (`onDown`: BullMQ's `worker.pause(true)`), the watch pings the backend every
 * `probeMs`, and when it answers the worker takes tries again (`onUp`: `worker.resume()`). One log
 * line when the engine goes, one when it is back, each naming the endpoint (socket or
 * DOCKER_HOST). Tries that were already fetched wait in {@link EngineWatch.whenUp} before they are
 * claimed, so none is started (and failed) while the engine is known to be down.
 *
 * States: `up` (no outage known), `down` (an operation failed as unreachable; probing).
 *
 * The watch resumes only after {@link ANSWERS_TO_RESUME} pings in a row answered: an engine that
 * is shutting down still answers for about a second after its first refusals (measured: a private
 * dockerd took 1.1–1.5 s to exit after SIGTERM), and resuming on that answer let one more try
 * start and fail (test/faults/docker-outage.test.ts).
 */
import type { Logger } from 'pino';
import type { ExecutorUnavailableError } from '../executors/executor-unavailable-error.js';

/** Pings in a row that must answer before tries are taken again. */
export const ANSWERS_TO_RESUME = 2;

/** What the watch knows of the backend. */
export type EngineState =
  /** no outage known: tries are taken */
  | 'up'
  /** a try found the backend unreachable: no try is taken, the backend is pinged every `probeMs` */
  | 'down';

/** Options of {@link EngineWatch}. */
export interface EngineWatchOptions {
  /** resolves when the backend answers (`Executor.ping`) */
  readonly ping: () => Promise<void>;
  /** period of the pings while down, in ms */
  readonly probeMs: number;
  readonly logger: Logger;
  /** called once when the backend goes down (stop taking tries) */
  readonly onDown: () => Promise<void>;
  /** called once when it answers again (take tries again) */
  readonly onUp: () => Promise<void>;
}

/** The watch (see the file comment). */
export class EngineWatch {
  private stateValue: EngineState = 'up';
  private downSince: Date | undefined;
  private endpoint = '';
  private timer: NodeJS.Timeout | undefined;
  private waiters: (() => void)[] = [];
  private stopped = false;
  private answers = 0;

  constructor(private readonly o: EngineWatchOptions) {}

  get state(): EngineState {
    return this.stateValue;
  }

  /**
   * An operation found the backend unreachable. The first such note of an outage logs it, calls
   * `onDown` and starts pinging; later ones (other tries cut by the same outage) change nothing.
   */
  noteUnavailable(err: ExecutorUnavailableError): void {
    if (this.stateValue === 'down' || this.stopped) return;
    this.stateValue = 'down';
    this.answers = 0;
    this.downSince = new Date();
    this.endpoint = err.endpoint;
    this.o.logger.warn(
      { endpoint: err.endpoint, err: err.message, probeMs: this.o.probeMs },
      `Docker engine unreachable at ${err.endpoint}: taking no tries until it answers a ping (every ${this.o.probeMs} ms)`,
    );
    this.o.onDown().catch((e: unknown) => this.o.logger.error({ err: e }, 'pausing the task queue failed'));
    this.schedule();
  }

  /** Resolves at once while up; while down, when the backend answers again or the watch stops. */
  whenUp(): Promise<void> {
    if (this.stateValue === 'up' || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** When the next try may be queued after one the outage cut: the next ping, at the earliest. */
  nextCheckAt(now: Date): Date {
    return new Date(now.getTime() + this.o.probeMs);
  }

  /** Stops pinging and releases the waiters (the worker is stopping). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.release();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.probe(), this.o.probeMs);
  }

  private async probe(): Promise<void> {
    try {
      await this.o.ping();
    } catch {
      this.answers = 0;
      this.schedule();
      return;
    }
    if (this.stopped) return;
    this.answers += 1;
    if (this.answers < ANSWERS_TO_RESUME) {
      this.schedule();
      return;
    }
    const downMs = Date.now() - (this.downSince?.getTime() ?? Date.now());
    this.stateValue = 'up';
    this.o.logger.warn(
      { endpoint: this.endpoint, downMs },
      `Docker engine answers again at ${this.endpoint} (unreachable for ${downMs} ms): taking tries again`,
    );
    this.release();
    await this.o
      .onUp()
      .catch((e: unknown) => this.o.logger.error({ err: e }, 'resuming the task queue failed'));
  }

  private release(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
