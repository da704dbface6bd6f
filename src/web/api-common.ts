/**
 * What the `/api/v1` route files share: paging and path schemas, the bearer-token and 404 checks,
 * the mapping of service errors to problem JSON (Airflow 2's stable REST API shapes).
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { recordEvent, type EventLogEntry } from '../audit/event-log.js';
import { HeatflowError, NotFoundError } from '../core/errors.js';
import { RunConfError } from '../core/run-conf.js';
import { parseDagDate } from '../core/timetable.js';
import type { DagRunRow } from '../db/database.js';
import { getRun } from '../db/dag-run-repository.js';
import { getTiWithTry, type TiWithTry } from '../db/web-queries.js';
import { HttpProblem } from './http-problem.js';
import { requestActor } from './web-auth.js';
import { idSchema, runIdSchema, type WebContext } from './web-context.js';

const MAX_LIMIT = 1000;
/** `limit`: a page size, 100 by default, capped at 1000 (Airflow's `maximum_page_limit`). */
export const limitSchema = z.coerce
  .number()
  .int()
  .min(1)
  .default(100)
  .transform((n) => Math.min(n, MAX_LIMIT));
/** `offset`: items to skip. */
export const offsetSchema = z.coerce.number().int().min(0).default(0);
/** Task-instance states a `state` filter takes. */
export const TI_STATES = [
  'none',
  'scheduled',
  'queued',
  'running',
  'success',
  'failed',
  'up_for_retry',
  'up_for_reschedule',
  'upstream_failed',
  'skipped',
  'removed',
] as const;

/** Path parameters of a DAG, a DAG run and a task instance. */
export const dagParams = z.object({ dagId: idSchema });
export const runParams = z.object({ dagId: idSchema, runId: runIdSchema });
export const tiParams = runParams.extend({ taskId: idSchema });

/**
 * Maps a service error to an HTTP problem.
 * @param confParameter - the body parameter a run conf came in (`conf`, `dag_run_conf`), named by
 *   the 400 of a conf the DAG refuses
 */
export function serviceProblem(err: unknown, confParameter = 'conf'): unknown {
  if (err instanceof HttpProblem) return err;
  if (err instanceof RunConfError)
    return new HttpProblem(
      400,
      `invalid body parameter "${confParameter}": ${err.message}`,
      'Invalid conf',
      confParameter,
    );
  if (err instanceof NotFoundError) return new HttpProblem(404, err.message);
  if (err instanceof HeatflowError) {
    if (err.code === 'RUN_EXISTS') return new HttpProblem(409, err.message, 'DAG run already exists');
    if (
      [
        'BACKFILL_EMPTY',
        'BACKFILL_RANGE',
        'BACKFILL_ASSET_SCHEDULED',
        'TIMETABLE',
        'INVALID_DATE',
        'INVALID_ID',
      ].includes(err.code) ||
      err.name === 'TimetableError'
    ) {
      return new HttpProblem(400, err.message);
    }
  }
  return err;
}

/** Parses a date given to an action (`YYYY-MM-DD` in the DAG's zone, or ISO date-time). @throws HttpProblem 400 naming it */
export function parseDate(name: string, value: string, timezone: string, endOfDay: boolean): Date {
  try {
    return parseDagDate(value, timezone, endOfDay);
  } catch (err) {
    throw new HttpProblem(400, `invalid parameter "${name}": ${(err as Error).message}`, undefined, name);
  }
}

/** The entries of an object whose value is defined (for `exactOptionalPropertyTypes`-style options). */
export function defined<T extends Record<string, unknown>>(
  o: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** The checks the `/api/v1` routes share, bound to the server's context. */
export interface ApiGuards {
  /** @throws HttpProblem 403 (no HEATFLOW_WEB_TOKEN) or 401 (no bearer token) */
  readonly requireBearer: (req: FastifyRequest) => void;
  /** records an API action in the event log (after it succeeded); never throws */
  readonly audit: (req: FastifyRequest, entry: EventLogEntry) => Promise<string | null>;
  /** @throws HttpProblem 404 naming the task instance */
  readonly tiOr404: (dagId: string, runId: string, taskId: string) => Promise<TiWithTry>;
  /** @throws HttpProblem 404 naming the run */
  readonly runOr404: (dagId: string, runId: string) => Promise<DagRunRow>;
}

/** The {@link ApiGuards} of `ctx`. */
export function apiGuards(ctx: WebContext): ApiGuards {
  const { rt } = ctx;

  /** Writes need the bearer token (never the session cookie: no CSRF through the API). */
  const requireBearer = (req: FastifyRequest): void => {
    if (!ctx.auth.enabled)
      throw new HttpProblem(403, 'actions are disabled: the server has no HEATFLOW_WEB_TOKEN');
    if (!ctx.auth.hasBearer(req))
      throw new HttpProblem(401, 'this action needs the header "Authorization: Bearer <HEATFLOW_WEB_TOKEN>"');
  };

  /** Records an API action in the event log (after it succeeded). */
  const audit = (req: FastifyRequest, entry: EventLogEntry) =>
    recordEvent(rt.db, requestActor(ctx.auth, req, 'api'), entry, rt.logger);

  const tiOr404 = async (dagId: string, runId: string, taskId: string) => {
    const ti = await getTiWithTry(rt.db, dagId, runId, taskId);
    if (ti === undefined)
      throw new HttpProblem(
        404,
        `task instance "${taskId}" of DAG run "${runId}" of DAG "${dagId}" not found`,
        'Task instance not found',
      );
    return ti;
  };
  const runOr404 = async (dagId: string, runId: string) => {
    const run = await getRun(rt.db, dagId, runId);
    if (run === undefined)
      throw new HttpProblem(404, `DAG run "${runId}" of DAG "${dagId}" not found`, 'DAG run not found');
    return run;
  };
  return { requireBearer, audit, tiOr404, runOr404 };
}
