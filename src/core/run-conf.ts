/**
 * Validation of a DAG run's `conf` (Airflow's DAG `params` checked at trigger time): the conf must
 * be a JSON object Postgres can store (no NUL character, which `jsonb` rejects), and it must pass
 * the DAG's `paramsSchema` when it declares one. Used by every way a run is created with a conf
 * (`dags trigger`, `dags backfill`, `POST /api/v1/dags/{id}/dagRuns`, `/api/v1/backfills`, the web
 * page) before anything is written. Pure.
 */
import type { z } from 'zod';
import { HeatflowError } from './errors.js';
import type { Dag } from './types.js';

/** A run's conf is not acceptable for its DAG: names the key at fault and what is wrong. */
export class RunConfError extends HeatflowError {
  constructor(
    message: string,
    readonly dagId: string,
    /** JSON path of the key at fault, e.g. `dates[2]`; `''` for the conf as a whole */
    readonly key: string,
    /** what is wrong with it, without the DAG and key */
    readonly problem: string,
  ) {
    super('RUN_CONF_INVALID', message);
  }
}

/** `['dates', 2, 'x']` → `dates[2].x`. */
export function formatConfPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

/** The path of the first key or string value holding a NUL character (`\u0000`), if any. */
export function nulCharacterPath(
  value: unknown,
  path: readonly PropertyKey[] = [],
): PropertyKey[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? [...path] : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = nulCharacterPath(v, [...path, i]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000')) return [...path, k];
      const found = nulCharacterPath(v, [...path, k]);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The keys an object schema declares (`z.object`, `z.strictObject`), or undefined for other schemas. */
function declaredKeys(schema: z.ZodType): string[] | undefined {
  const shape = (schema as { shape?: unknown }).shape;
  return typeof shape === 'object' && shape !== null ? Object.keys(shape) : undefined;
}

/**
 * Checks a run's conf for its DAG and returns it unchanged (what is stored is what was given: a
 * schema's transforms and defaults are not applied, the DAG's `params` give the defaults).
 *
 * - the conf must be a JSON object;
 * - no key or string value may hold a NUL character (Postgres `jsonb` cannot store `\u0000`);
 * - with `dag.paramsSchema`, it must pass the schema; a strict schema (`z.strictObject`) rejects
 *   unknown keys, naming them and the keys the DAG takes.
 *
 * @throws RunConfError naming the DAG, the key (JSON path, e.g. `dates[2]`) and the problem, e.g.
 *   `DAG "heating_analytics": conf key "dates[1]": "2022-02-30" is not a calendar date …`
 */
export function validateRunConf(
  dag: Pick<Dag, 'dagId' | 'paramsSchema'>,
  conf: unknown,
): Record<string, unknown> {
  const fail = (key: string, problem: string): RunConfError =>
    new RunConfError(
      `DAG "${dag.dagId}": ${key === '' ? 'conf' : `conf key "${key}"`}: ${problem}`,
      dag.dagId,
      key,
      problem,
    );
  if (typeof conf !== 'object' || conf === null || Array.isArray(conf))
    throw fail('', 'must be a JSON object');
  const nul = nulCharacterPath(conf);
  if (nul !== undefined)
    throw fail(
      formatConfPath(nul),
      `holds a NUL character (\\u0000), which Postgres cannot store; remove it`,
    );
  const schema = dag.paramsSchema;
  if (schema === undefined) return conf as Record<string, unknown>;
  const result = schema.safeParse(conf);
  if (result.success) return conf as Record<string, unknown>;
  // an unknown key first: a misspelt key usually also leaves a required one missing
  const issues = result.error.issues;
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  if (issue === undefined) throw fail('', 'rejected by the DAG’s paramsSchema');
  const where = formatConfPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const known = declaredKeys(schema) ?? [];
    const takes = known.length === 0 ? 'it takes none' : `it takes: ${known.join(', ')}`;
    const [first, ...others] = issue.keys;
    const key = where === '' ? (first ?? '') : `${where}.${first ?? ''}`;
    const also = others.length > 0 ? ` (also unknown: ${others.join(', ')})` : '';
    throw fail(key, `not a param of DAG "${dag.dagId}" (${takes})${also}`);
  }
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  throw fail(where, `${issue.message}${more}`);
}
