/**
 * What every route handler of the web server shares: the runtime, the credential checks, DAG
 * lookups, and the validation schemas of common parameters.
 */
import { z } from 'zod';
import { idProblem, type IdKind } from '../core/ids.js';
import { parseDagDate } from '../core/timetable.js';
import type { Dag } from '../core/types.js';
import { getDagRow } from '../db/dag-repository.js';
import type { DagRow } from '../db/database.js';
import type { Runtime } from '../runtime/runtime.js';
import { HttpProblem } from './http-problem.js';
import { loadNextRun } from '../scheduler/next-run-service.js';
import type { NextRun } from './next-run.js';
import type { LoginRateLimitOptions } from './login-rate-limit.js';
import { PersonSignIn } from './person-sign-in.js';
import type { WebAuth } from './web-auth.js';

/** An id checked by `core/ids.ts`, the message naming what is wrong (`may contain only …`). */
function idOf(kind: IdKind) {
  return z.string().superRefine((v, ctx) => {
    const problem = idProblem(kind, v);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** An id of a DAG or task (Airflow's `KEY_REGEX`, at most 250 characters, not only dots). */
export const idSchema = idOf('dag_id');
/** A run id (Airflow's default `allowed_run_id_pattern` `^[A-Za-z0-9_.~:+-]+$`, ≤ 250 characters). */
export const runIdSchema = idOf('run_id');

/**
 * An instant: ISO 8601 date-time with an offset (`2022-01-01T00:00:00Z`, `…+01:00`) or a date
 * (`2022-01-01`, read as midnight UTC), checked against the calendar and the clock by
 * `parseDagDate` (the CLI's parser): `2022-02-30` and `T25:00` are 400s naming the parameter.
 */
export const instantSchema = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/,
    'expected an ISO 8601 date or date-time with offset, e.g. 2022-01-01T00:00:00Z',
  )
  .transform((s, ctx) => {
    // the CLI's parser (a date is midnight UTC here): 2022-02-30 or T25:00 is an error, never
    // rolled over to another day as `new Date` does
    try {
      return parseDagDate(s.replace(' ', 'T'), 'UTC', false);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

/**
 * A manual run's logical date as given (`logical_date` of a trigger), checked as
 * {@link instantSchema} checks it but kept as text: a bare date means that local day's scheduled
 * logical date, which needs the DAG (`resolveTriggerDate` in core/trigger-date.ts), as the CLI's
 * `dags trigger --logical-date` does.
 */
export const triggerDateSchema = z.string().superRefine((s, ctx) => {
  const r = instantSchema.safeParse(s);
  if (!r.success)
    for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
});

/** The JSON path of the first key or string holding a NUL character, or `undefined`. */
function nulPath(value: unknown, at: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? at : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const p = nulPath(v, `${at}[${i}]`);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000')) return `${at}.${JSON.stringify(k)}`;
      const p = nulPath(v, `${at}.${k}`);
      if (p !== undefined) return p;
    }
  }
  return undefined;
}

/**
 * A run configuration: a JSON object without NUL characters (`\u0000`) in its keys or strings,
 * which Postgres `jsonb` cannot store (it would be a 500, issue 14).
 */
export const confSchema = z.record(z.string(), z.unknown()).superRefine((v, ctx) => {
  const at = nulPath(v, 'conf');
  if (at !== undefined)
    ctx.addIssue({
      code: 'custom',
      message: `${at} holds a NUL character (\\u0000), which cannot be stored`,
    });
});

/** Query booleans: `true`/`false` (also `1`/`0`). */
export const queryBool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** A query parameter that may be repeated (`state=a&state=b`) or comma-separated. */
export const listParam = z.union([z.string(), z.array(z.string())]).transform((v) =>
  (Array.isArray(v) ? v : [v])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== ''),
);

/** Shared state of the web server. */
export class WebContext {
  private readonly nextRunCache = new Map<string, { at: number; value: NextRun | null }>();
  /** sign-in attempts (people and the token) with their failure limit */
  readonly signIn: PersonSignIn;

  constructor(
    readonly rt: Runtime,
    readonly auth: WebAuth,
    /** read-only pages and API reads need no credential */
    readonly openReads: boolean,
    loginRateLimit: LoginRateLimitOptions = {},
  ) {
    this.signIn = new PersonSignIn(rt, loginRateLimit);
  }

  /**
   * The DAG's row.
   * @throws HttpProblem 404 naming the DAG
   */
  async dagRow(dagId: string): Promise<DagRow> {
    const row = await getDagRow(this.rt.db, dagId);
    if (row === undefined) throw new HttpProblem(404, `DAG "${dagId}" not found`, 'DAG not found');
    return row;
  }

  /**
   * The parsed DAG (needed by actions: trigger, clear, backfill).
   * @throws HttpProblem 404 when the DAG folder does not declare it (now)
   */
  async dag(dagId: string): Promise<Dag> {
    const dag = await this.rt.registry.get(dagId);
    if (dag === undefined)
      throw new HttpProblem(
        404,
        `DAG "${dagId}" is not declared in the DAG folder (${this.rt.config.HEATFLOW_DAGS_DIR})`,
        'DAG not found',
      );
    return dag;
  }

  /**
   * The run the scheduler would create next (cached for a few seconds: the DAG list asks on every
   * view); the same function as `dags list --json` (`loadNextRun`).
   */
  async nextRun(row: DagRow, now = new Date()): Promise<NextRun | null> {
    const dag = this.rt.registry.peek(row.dag_id);
    if (dag === undefined) return null;
    const key = `${row.dag_id}|${row.next_dagrun_logical_date?.getTime() ?? ''}|${row.is_paused}`;
    const hit = this.nextRunCache.get(key);
    if (hit !== undefined && now.getTime() - hit.at < 5000) return hit.value;
    let value: NextRun | null;
    try {
      value = await loadNextRun(this.rt.db, dag, row, now);
    } catch {
      value = null;
    }
    if (this.nextRunCache.size > 1000) this.nextRunCache.clear();
    this.nextRunCache.set(key, { at: now.getTime(), value });
    return value;
  }
}
