/**
 * `defineDag`: the one way a DAG file declares a DAG. Options → validation → defaults → compiled,
 * indexed form (as temporal's worker options): every invalid input is rejected with a
 * {@link DagDefinitionError} whose `field` names the option at fault, e.g. `tasks[2].upstream[0]`.
 */
import { DateTime } from 'luxon';
import { assetExtraProblem, assetUriProblem, isAsset, normaliseAssetUri, type Asset } from './asset.js';
import { DagCycleError, DagDefinitionError } from './errors.js';
import { TimetableError, cronExpressionFor, isValidTimezone } from './timetable.js';
import { ID_PATTERN, MAX_ID_LENGTH } from './ids.js';
import type {
  Dag,
  DagSpec,
  DeclaredPool,
  Task,
  TaskArgs,
  TaskSpec,
  Templated,
  TriggerRule,
} from './types.js';

/** The id rules live in `ids.ts`; re-exported here where they were first declared. */
export { ID_PATTERN, MAX_ID_LENGTH };

/** Every trigger rule heatflow knows. */
export const TRIGGER_RULES: readonly TriggerRule[] = [
  'all_success',
  'all_failed',
  'all_done',
  'one_success',
  'one_failed',
  'none_failed',
  'none_skipped',
  'always',
];

/** The defaults `defineDag` applies (Airflow's, where Airflow has one). */
export const DAG_DEFAULTS = Object.freeze({
  retries: 0,
  /** 5 minutes, Airflow's `default_task_retry_delay` */
  retryDelayMs: 300_000,
  retryExponentialBackoff: false,
  /** 24 hours, Airflow's `max_task_retry_delay` */
  maxRetryDelayMs: 86_400_000,
  pool: 'default_pool',
  poolSlots: 1,
  triggerRule: 'all_success',
  timezone: 'UTC',
  catchup: true,
  maxActiveRuns: 16,
  maxActiveTasks: 16,
});

/**
 * Validate a DAG declaration and compile it: defaults applied (see {@link DAG_DEFAULTS}),
 * `defaultArgs` merged under each task's own arguments, downstream lists, roots, leaves and a
 * topological order (declaration order among independent tasks) computed. String dates are read in
 * the DAG's time zone (`'2022-01-01'` is local midnight; an explicit offset is kept).
 *
 * @throws DagCycleError when the dependencies have a cycle (its path, e.g. `a -> b -> c -> a`)
 * @throws DagDefinitionError for any other invalid field; `field` names it, e.g. `schedule`,
 *   `schedule[1]`, `timezone`, `endDate`, `tasks[2].upstream[0]`, `tasks[3].outlets[0]`,
 *   `defaultArgs.retries`, `paramsSchema`
 */
export function defineDag(spec: DagSpec): Dag {
  const v = new Validator(spec);
  return v.compile();
}

/** Whether `x` is a DAG returned by {@link defineDag} (works across module copies: a brand check). */
export function isDag(x: unknown): x is Dag {
  if (typeof x !== 'object' || x === null) return false;
  const candidate = x as Partial<Record<keyof Dag, unknown>>;
  return (
    candidate.__heatflowDag === true && typeof candidate.dagId === 'string' && candidate.tasks instanceof Map
  );
}

type Field = string;

class Validator {
  private readonly dagId: string | undefined;
  /** every asset named so far (schedule, outlets), by URI */
  private readonly assets = new Map<string, Asset>();

  constructor(private readonly spec: DagSpec) {
    const raw = spec as unknown;
    this.dagId =
      typeof raw === 'object' && raw !== null && typeof (raw as { dagId?: unknown }).dagId === 'string'
        ? (raw as { dagId: string }).dagId
        : undefined;
  }

  compile(): Dag {
    const spec = this.spec as unknown;
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
      throw this.fail('', 'the DAG spec must be an object');
    }
    const s = this.spec;
    const dagId = this.id(s.dagId, 'dagId');
    const description = this.optionalString(s.description, 'description');
    const timezone = s.timezone ?? DAG_DEFAULTS.timezone;
    if (typeof timezone !== 'string' || !isValidTimezone(timezone)) {
      throw this.fail(
        'timezone',
        `unknown IANA time zone ${JSON.stringify(timezone)} (e.g. 'UTC', 'Europe/London')`,
      );
    }
    const { schedule, scheduleAssets } = this.schedule(s.schedule);
    if (s.startDate === undefined) throw this.fail('startDate', 'startDate is required');
    const startDate = this.date(s.startDate, 'startDate', timezone);
    const endDate = s.endDate === undefined ? undefined : this.date(s.endDate, 'endDate', timezone);
    if (endDate !== undefined && endDate.getTime() < startDate.getTime()) {
      throw this.fail(
        'endDate',
        `endDate ${endDate.toISOString()} is before startDate ${startDate.toISOString()}`,
      );
    }
    const catchup = this.optionalBoolean(s.catchup, 'catchup') ?? DAG_DEFAULTS.catchup;
    const maxActiveRuns = this.positiveInt(s.maxActiveRuns, 'maxActiveRuns') ?? DAG_DEFAULTS.maxActiveRuns;
    const maxActiveTasks =
      this.positiveInt(s.maxActiveTasks, 'maxActiveTasks') ?? DAG_DEFAULTS.maxActiveTasks;
    const dagrunTimeoutMs = this.positiveNumber(s.dagrunTimeoutMs, 'dagrunTimeoutMs');
    const params = this.record(s.params, 'params') ?? {};
    const paramsSchema = this.paramsSchema(s.paramsSchema);
    const tags = this.tags(s.tags);
    const isPausedUponCreation =
      this.optionalBoolean(s.isPausedUponCreation, 'isPausedUponCreation') ?? false;
    const pools = this.pools(s.pools);
    const defaultArgs = this.taskArgs(s.defaultArgs ?? {}, 'defaultArgs');
    const { tasks, taskIds, roots, leaves } = this.tasks(s.tasks, defaultArgs);

    const dag: Dag = {
      __heatflowDag: true,
      dagId,
      ...(description === undefined ? {} : { description }),
      schedule,
      scheduleAssets: Object.freeze(scheduleAssets),
      assets: this.assets,
      startDate,
      ...(endDate === undefined ? {} : { endDate }),
      timezone,
      catchup,
      maxActiveRuns,
      maxActiveTasks,
      ...(dagrunTimeoutMs === undefined ? {} : { dagrunTimeoutMs }),
      params: Object.freeze({ ...params }),
      ...(paramsSchema === undefined ? {} : { paramsSchema }),
      tags: Object.freeze([...tags]),
      isPausedUponCreation,
      pools,
      tasks,
      taskIds,
      leaves,
      roots,
    };
    return Object.freeze(dag);
  }

  /** `pools`: `{ name: { slots, description? } }`; names are ids, slots positive integers. */
  private pools(value: unknown): readonly DeclaredPool[] {
    const raw = this.record(value, 'pools') ?? {};
    const out: DeclaredPool[] = [];
    for (const name of Object.keys(raw).sort()) {
      const field = `pools.${name}`;
      const spec = raw[name];
      if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
        throw this.fail(field, 'a pool must be an object { slots, description? }');
      const p = spec as { slots?: unknown; description?: unknown };
      this.id(name, field);
      const slots = this.positiveInt(p.slots, `${field}.slots`);
      if (slots === undefined) throw this.fail(`${field}.slots`, 'slots is required');
      const description = this.optionalString(p.description, `${field}.description`);
      out.push(Object.freeze({ name, slots, ...(description === undefined ? {} : { description }) }));
    }
    return Object.freeze(out);
  }

  private fail(field: Field, message: string): DagDefinitionError {
    const where = this.dagId === undefined ? '' : `DAG "${this.dagId}": `;
    const prefix = field === '' ? '' : `${field}: `;
    return new DagDefinitionError(`${where}${prefix}${message}`, field, this.dagId);
  }

  private id(value: unknown, field: Field): string {
    if (typeof value !== 'string' || value.length === 0) throw this.fail(field, 'must be a non-empty string');
    if (value.length > MAX_ID_LENGTH) throw this.fail(field, `is longer than ${MAX_ID_LENGTH} characters`);
    if (!ID_PATTERN.test(value)) {
      throw this.fail(field, `${JSON.stringify(value)} may contain only letters, digits, '_', '-' and '.'`);
    }
    // ids name folders (`runs/<dag_id>/…`): `.` or `..` would name the parent
    if (/^\.+$/.test(value)) throw this.fail(field, `${JSON.stringify(value)} may not be made of dots only`);
    return value;
  }

  private schedule(value: unknown): { schedule: string | null; scheduleAssets: string[] } {
    if (value === undefined)
      throw this.fail('schedule', 'schedule is required (use null for manual runs only)');
    if (value === null) return { schedule: null, scheduleAssets: [] };
    if (Array.isArray(value)) return { schedule: null, scheduleAssets: this.scheduleAssets(value) };
    if (typeof value !== 'string')
      throw this.fail('schedule', 'must be a cron expression, a preset, null or a list of assets');
    try {
      cronExpressionFor(value);
    } catch (error) {
      if (error instanceof TimetableError) throw this.fail('schedule', error.message);
      throw error;
    }
    return { schedule: value.trim(), scheduleAssets: [] };
  }

  private scheduleAssets(value: readonly unknown[]): string[] {
    if (value.length === 0)
      throw this.fail('schedule', 'a list of assets must not be empty (use null for manual runs only)');
    const uris: string[] = [];
    value.forEach((a, i) => {
      const field = `schedule[${i}]`;
      if (!isAsset(a)) throw this.fail(field, "must be an asset, e.g. asset('tado://warehouse')");
      const uri = this.addAsset(a, field);
      if (uris.includes(uri)) throw this.fail(field, `asset ${uri} is listed twice`);
      uris.push(uri);
    });
    return uris;
  }

  /** A task's outlets as URIs (each an asset or a URI string). */
  private outlets(value: unknown, field: Field): readonly string[] {
    if (value === undefined) return Object.freeze([]);
    if (!Array.isArray(value)) throw this.fail(field, 'must be an array of assets or asset URIs');
    const uris: string[] = [];
    (value as unknown[]).forEach((o, j) => {
      const f = `${field}[${j}]`;
      let uri: string;
      if (typeof o === 'string') {
        const problem = assetUriProblem(o);
        if (problem !== undefined) throw this.fail(f, problem);
        uri = this.addAsset({ __heatflowAsset: true, uri: normaliseAssetUri(o), extra: {} }, f);
      } else if (isAsset(o)) {
        uri = this.addAsset(o, f);
      } else {
        throw this.fail(f, "must be an asset (asset('scheme://…')) or an asset URI string");
      }
      if (uris.includes(uri)) throw this.fail(f, `asset ${uri} is listed twice`);
      uris.push(uri);
    });
    return Object.freeze(uris);
  }

  /**
   * Records an asset the DAG names and returns its URI. An asset built by hand (not by `asset()`)
   * is checked too; one URI with two different non-empty extras is an error.
   */
  private addAsset(a: Asset, field: Field): string {
    const problem = assetUriProblem(a.uri) ?? assetExtraProblem(a.extra);
    if (problem !== undefined) throw this.fail(field, problem);
    const uri = normaliseAssetUri(a.uri);
    const known = this.assets.get(uri);
    const hasExtra = Object.keys(a.extra).length > 0;
    if (known !== undefined && hasExtra && Object.keys(known.extra).length > 0) {
      if (JSON.stringify(known.extra) !== JSON.stringify(a.extra))
        throw this.fail(field, `asset ${uri} is declared with two different extras`);
    }
    if (known === undefined || (hasExtra && Object.keys(known.extra).length === 0))
      this.assets.set(uri, Object.freeze({ __heatflowAsset: true, uri, extra: a.extra }));
    return uri;
  }

  private date(value: unknown, field: Field, timezone: string): Date {
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) throw this.fail(field, 'is an invalid Date');
      return new Date(value.getTime());
    }
    if (typeof value === 'string') {
      const parsed = DateTime.fromISO(value.trim(), { zone: timezone });
      if (!parsed.isValid) {
        throw this.fail(field, `${JSON.stringify(value)} is not an ISO 8601 date or date-time`);
      }
      return parsed.toJSDate();
    }
    throw this.fail(field, 'must be a Date or an ISO 8601 string');
  }

  /** A zod schema (checked by shape: DAG files and heatflow may load different copies of zod). */
  private paramsSchema(value: unknown): DagSpec['paramsSchema'] {
    if (value === undefined) return undefined;
    if (
      typeof value !== 'object' ||
      value === null ||
      typeof (value as { safeParse?: unknown }).safeParse !== 'function'
    )
      throw this.fail(
        'paramsSchema',
        'must be a zod schema, e.g. z.strictObject({ dates: z.array(z.string()) })',
      );
    return value as DagSpec['paramsSchema'];
  }

  private optionalString(value: unknown, field: Field): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw this.fail(field, 'must be a string');
    return value;
  }

  private optionalBoolean(value: unknown, field: Field): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw this.fail(field, 'must be true or false');
    return value;
  }

  private positiveInt(value: unknown, field: Field): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw this.fail(field, `must be a positive integer, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  private nonNegativeInt(value: unknown, field: Field): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw this.fail(field, `must be an integer ≥ 0, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  private positiveNumber(value: unknown, field: Field): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw this.fail(field, `must be a finite number > 0 (milliseconds), got ${JSON.stringify(value)}`);
    }
    return value;
  }

  private nonNegativeNumber(value: unknown, field: Field): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw this.fail(field, `must be a finite number ≥ 0 (milliseconds), got ${JSON.stringify(value)}`);
    }
    return value;
  }

  private record(value: unknown, field: Field): Readonly<Record<string, unknown>> | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.fail(field, 'must be an object');
    }
    return value as Record<string, unknown>;
  }

  private tags(value: unknown): readonly string[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw this.fail('tags', 'must be an array of strings');
    value.forEach((tag, i) => {
      if (typeof tag !== 'string' || tag.length === 0)
        throw this.fail(`tags[${i}]`, 'must be a non-empty string');
    });
    return value as string[];
  }

  private taskArgs(value: unknown, field: Field): TaskArgs {
    const args = this.record(value, field) as TaskArgs | undefined;
    if (args === undefined) return {};
    const out: TaskArgs = {};
    const retries = this.nonNegativeInt(args.retries, `${field}.retries`);
    if (retries !== undefined) out.retries = retries;
    const retryDelayMs = this.nonNegativeNumber(args.retryDelayMs, `${field}.retryDelayMs`);
    if (retryDelayMs !== undefined) out.retryDelayMs = retryDelayMs;
    const backoff = this.optionalBoolean(args.retryExponentialBackoff, `${field}.retryExponentialBackoff`);
    if (backoff !== undefined) out.retryExponentialBackoff = backoff;
    const maxRetryDelayMs = this.positiveNumber(args.maxRetryDelayMs, `${field}.maxRetryDelayMs`);
    if (maxRetryDelayMs !== undefined) out.maxRetryDelayMs = maxRetryDelayMs;
    const executionTimeoutMs = this.positiveNumber(args.executionTimeoutMs, `${field}.executionTimeoutMs`);
    if (executionTimeoutMs !== undefined) out.executionTimeoutMs = executionTimeoutMs;
    if (args.pool !== undefined) out.pool = this.id(args.pool, `${field}.pool`);
    const poolSlots = this.positiveInt(args.poolSlots, `${field}.poolSlots`);
    if (poolSlots !== undefined) out.poolSlots = poolSlots;
    const image = this.optionalString(args.image, `${field}.image`);
    if (image !== undefined) {
      if (image.trim() === '') throw this.fail(`${field}.image`, 'must be a non-empty image reference');
      out.image = image;
    }
    return out;
  }

  private command(value: unknown, field: Field): Templated<readonly string[]> {
    if (typeof value === 'function') return value as Templated<readonly string[]>;
    if (!Array.isArray(value) || value.length === 0) {
      throw this.fail(field, 'must be a non-empty array of strings (argv) or a function of the run context');
    }
    value.forEach((arg, i) => {
      if (typeof arg !== 'string') throw this.fail(`${field}[${i}]`, 'must be a string');
    });
    return Object.freeze([...(value as string[])]);
  }

  private env(value: unknown, field: Field): Readonly<Record<string, Templated<string>>> {
    const env = this.record(value, field);
    if (env === undefined) return Object.freeze({});
    for (const [name, v] of Object.entries(env)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw this.fail(`${field}.${name}`, 'is not a valid environment variable name');
      }
      if (typeof v !== 'string' && typeof v !== 'function') {
        throw this.fail(`${field}.${name}`, 'must be a string or a function of the run context');
      }
    }
    return Object.freeze({ ...(env as Record<string, Templated<string>>) });
  }

  private tasks(
    value: unknown,
    defaultArgs: TaskArgs,
  ): { tasks: Map<string, Task>; taskIds: string[]; roots: string[]; leaves: string[] } {
    if (!Array.isArray(value)) throw this.fail('tasks', 'must be an array of tasks');
    if (value.length === 0) throw this.fail('tasks', 'a DAG needs at least one task');
    const specs = value as unknown[];
    const indexById = new Map<string, number>();
    specs.forEach((raw, i) => {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw this.fail(`tasks[${i}]`, 'must be an object');
      }
      const taskId = this.id((raw as { taskId?: unknown }).taskId, `tasks[${i}].taskId`);
      const first = indexById.get(taskId);
      if (first !== undefined) {
        throw this.fail(
          `tasks[${i}].taskId`,
          `duplicate task id "${taskId}" (first declared at tasks[${first}])`,
        );
      }
      indexById.set(taskId, i);
    });

    const upstreamById = new Map<string, string[]>();
    const draft: { spec: TaskSpec; taskId: string; args: TaskArgs; upstream: string[] }[] = [];
    specs.forEach((raw, i) => {
      const spec = raw as TaskSpec;
      const field = `tasks[${i}]`;
      const upstreamRaw = (spec.upstream ?? []) as unknown;
      if (!Array.isArray(upstreamRaw)) throw this.fail(`${field}.upstream`, 'must be an array of task ids');
      const upstream: string[] = [];
      (upstreamRaw as unknown[]).forEach((up, j) => {
        const upField = `${field}.upstream[${j}]`;
        if (typeof up !== 'string') throw this.fail(upField, 'must be a task id string');
        if (!indexById.has(up)) throw this.fail(upField, `unknown task id "${up}"`);
        if (upstream.includes(up)) throw this.fail(upField, `"${up}" is listed twice`);
        upstream.push(up);
      });
      if (spec.triggerRule !== undefined && !TRIGGER_RULES.includes(spec.triggerRule)) {
        throw this.fail(
          `${field}.triggerRule`,
          `unknown trigger rule ${JSON.stringify(spec.triggerRule)}; use one of ${TRIGGER_RULES.join(', ')}`,
        );
      }
      this.optionalString(spec.description, `${field}.description`);
      const args = this.taskArgs(spec, field);
      upstreamById.set(spec.taskId, upstream);
      draft.push({ spec, taskId: spec.taskId, args, upstream });
    });

    const downstreamById = new Map<string, string[]>(draft.map((d) => [d.taskId, []]));
    for (const d of draft) for (const up of d.upstream) downstreamById.get(up)?.push(d.taskId);

    const taskIds = this.topologicalOrder(
      draft.map((d) => d.taskId),
      upstreamById,
      downstreamById,
    );

    const byId = new Map<string, Task>();
    for (const d of draft) {
      const i = indexById.get(d.taskId) ?? 0;
      const merged: TaskArgs = { ...defaultArgs, ...d.args };
      const task: Task = {
        taskId: d.taskId,
        ...(d.spec.description === undefined ? {} : { description: d.spec.description }),
        command: this.command(d.spec.command, `tasks[${i}].command`),
        env: this.env(d.spec.env, `tasks[${i}].env`),
        upstream: Object.freeze([...d.upstream]),
        downstream: Object.freeze([...(downstreamById.get(d.taskId) ?? [])]),
        triggerRule: d.spec.triggerRule ?? DAG_DEFAULTS.triggerRule,
        retries: merged.retries ?? DAG_DEFAULTS.retries,
        retryDelayMs: merged.retryDelayMs ?? DAG_DEFAULTS.retryDelayMs,
        retryExponentialBackoff: merged.retryExponentialBackoff ?? DAG_DEFAULTS.retryExponentialBackoff,
        maxRetryDelayMs: merged.maxRetryDelayMs ?? DAG_DEFAULTS.maxRetryDelayMs,
        ...(merged.executionTimeoutMs === undefined ? {} : { executionTimeoutMs: merged.executionTimeoutMs }),
        pool: merged.pool ?? DAG_DEFAULTS.pool,
        poolSlots: merged.poolSlots ?? DAG_DEFAULTS.poolSlots,
        ...(merged.image === undefined ? {} : { image: merged.image }),
        outlets: this.outlets((d.spec as { outlets?: unknown }).outlets, `tasks[${i}].outlets`),
      };
      byId.set(d.taskId, Object.freeze(task));
    }
    // The Map is ordered topologically too, so iterating `dag.tasks` is a valid execution order.
    const tasks = new Map<string, Task>(taskIds.map((id) => [id, byId.get(id) as Task]));
    const roots = taskIds.filter((id) => (upstreamById.get(id) ?? []).length === 0);
    const leaves = taskIds.filter((id) => (downstreamById.get(id) ?? []).length === 0);
    return { tasks, taskIds, roots, leaves };
  }

  /** Kahn's algorithm, ready tasks taken in declaration order; a cycle throws with its path. */
  private topologicalOrder(
    declared: readonly string[],
    upstreamById: ReadonlyMap<string, readonly string[]>,
    downstreamById: ReadonlyMap<string, readonly string[]>,
  ): string[] {
    const remaining = new Map(declared.map((id) => [id, (upstreamById.get(id) ?? []).length]));
    const order: string[] = [];
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (const id of declared) {
        if (remaining.get(id) !== 0) continue;
        remaining.delete(id);
        order.push(id);
        progressed = true;
        for (const down of downstreamById.get(id) ?? []) {
          const count = remaining.get(down);
          if (count !== undefined) remaining.set(down, count - 1);
        }
      }
    }
    if (order.length === declared.length) return order;
    throw new DagCycleError(this.findCycle(declared, remaining, downstreamById), this.dagId);
  }

  /** A cycle among the tasks Kahn's algorithm could not order, as `a, b, c, a` (upstream first). */
  private findCycle(
    declared: readonly string[],
    stuck: ReadonlyMap<string, number>,
    downstreamById: ReadonlyMap<string, readonly string[]>,
  ): string[] {
    const state = new Map<string, 'visiting' | 'done'>();
    const path: string[] = [];
    const visit = (id: string): string[] | null => {
      state.set(id, 'visiting');
      path.push(id);
      for (const down of downstreamById.get(id) ?? []) {
        if (!stuck.has(down)) continue;
        if (state.get(down) === 'visiting') return [...path.slice(path.indexOf(down)), down];
        if (state.get(down) === undefined) {
          const found = visit(down);
          if (found !== null) return found;
        }
      }
      path.pop();
      state.set(id, 'done');
      return null;
    };
    for (const id of declared) {
      if (!stuck.has(id) || state.has(id)) continue;
      const found = visit(id);
      if (found !== null) return found;
    }
    /* c8 ignore next -- Kahn's leftovers always contain a cycle */
    return [...stuck.keys()];
  }
}
