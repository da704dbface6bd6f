/**
 * Assets (Airflow 2's Datasets, Airflow 3's Assets): named data a task produces and a DAG may be
 * scheduled on. An asset is only its URI (and static `extra`): heatflow never reads or checks the
 * data behind it. A task declares `outlets`; when a try of it succeeds, one asset event per outlet
 * is recorded, and every DAG scheduled on that asset gets a run once each of its assets has had
 * an event since its last run (docs/dag-authoring.md, "Assets").
 *
 * URI rules (Airflow's `_sanitize_uri` where it applies, stricter where heatflow needs a scheme):
 * `scheme://rest`, the scheme `[a-z][a-z0-9+.-]*` (lower-cased, as Airflow normalises it) and not
 * the reserved `airflow`, a non-empty rest, ASCII only, no whitespace, no `user@` credentials, at
 * most {@link MAX_ASSET_URI_LENGTH} characters.
 */
import { DagDefinitionError } from './errors.js';

/** Longest asset URI, in characters. */
export const MAX_ASSET_URI_LENGTH = 1500;

/** An asset, as `asset()` returns it. */
export interface Asset {
  /** brand that tells an asset from other objects (works across module copies) */
  readonly __heatflowAsset: true;
  /** the normalised URI (scheme lower-cased), e.g. `tado://warehouse` */
  readonly uri: string;
  /** static metadata about the asset (JSON), shown by the API; `@defaultValue {}` */
  readonly extra: Readonly<Record<string, unknown>>;
}

/**
 * Why `uri` is not a valid asset URI, or undefined when it is.
 * Pure; used by {@link asset} and by `defineDag` for string outlets.
 */
export function assetUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== 'string' || uri.length === 0) return 'must be a non-empty string';
  if (uri.length > MAX_ASSET_URI_LENGTH)
    return `is ${uri.length} characters long, over the ${MAX_ASSET_URI_LENGTH}-character limit`;
  // eslint-disable-next-line no-control-regex -- the ASCII range is the point
  if (!/^[\x00-\x7f]*$/.test(uri)) return `${JSON.stringify(uri)} must consist of ASCII characters only`;
  if (/\s/.test(uri)) return `${JSON.stringify(uri)} must not contain whitespace`;
  // eslint-disable-next-line no-control-regex -- control characters are refused as whitespace is
  if (/[\x00-\x1f\x7f]/.test(uri)) return `${JSON.stringify(uri)} must not contain control characters`;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(uri);
  if (m === null)
    return `${JSON.stringify(uri)} must have the form scheme://…, e.g. 'tado://warehouse' or 's3://bucket/key'`;
  const scheme = (m[1] ?? '').toLowerCase();
  const rest = m[2] ?? '';
  if (scheme === 'airflow')
    return `the scheme 'airflow' is reserved (Airflow's rule), in ${JSON.stringify(uri)}`;
  if (rest === '') return `${JSON.stringify(uri)} has nothing after '${scheme}://'`;
  const authority = rest.split(/[/?#]/, 1)[0] ?? '';
  if (authority.includes('@'))
    return `${JSON.stringify(uri)} must not carry credentials (user@ or user:password@)`;
  return undefined;
}

/** The URI with its scheme lower-cased (Airflow's normalisation). The URI must be valid. */
export function normaliseAssetUri(uri: string): string {
  const i = uri.indexOf('://');
  return `${uri.slice(0, i).toLowerCase()}${uri.slice(i)}`;
}

/**
 * Why `extra` is not a valid asset `extra`, or undefined when it is: it must be a plain object
 * whose values JSON can represent (no functions, `undefined`, symbols, bigints, non-finite numbers,
 * class instances such as `Date`, or cycles).
 */
export function assetExtraProblem(extra: unknown): string | undefined {
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra))
    return 'must be a plain object of JSON values';
  const seen = new Set<object>();
  const check = (v: unknown, path: string): string | undefined => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return undefined;
    if (typeof v === 'number') return Number.isFinite(v) ? undefined : `${path} is not a finite number`;
    if (typeof v !== 'object') return `${path} is a ${typeof v}, not a JSON value`;
    if (seen.has(v)) return `${path} is a circular reference`;
    const proto = Object.getPrototypeOf(v) as unknown;
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null)
      return `${path} is not a plain object or array`;
    seen.add(v);
    const entries = Array.isArray(v)
      ? v.map((x, i) => [`${path}[${i}]`, x] as const)
      : Object.entries(v).map(([k, x]) => [`${path}.${k}`, x] as const);
    for (const [p, x] of entries) {
      const problem = check(x, p);
      if (problem !== undefined) return problem;
    }
    seen.delete(v);
    return undefined;
  };
  return check(extra, 'extra');
}

/**
 * Declares an asset: `asset('tado://warehouse')`, for a task's `outlets` or a DAG's `schedule`.
 *
 * @param uri `scheme://…` (see the module's rules); the scheme is lower-cased
 * @param extra static JSON metadata; `@defaultValue {}`
 * @throws DagDefinitionError with `field` `uri` or `extra` naming what is wrong
 */
export function asset(uri: string, extra?: Readonly<Record<string, unknown>>): Asset {
  const uriProblem = assetUriProblem(uri);
  if (uriProblem !== undefined) throw new DagDefinitionError(`asset uri: ${uriProblem}`, 'uri');
  if (extra !== undefined) {
    const extraProblem = assetExtraProblem(extra);
    if (extraProblem !== undefined) throw new DagDefinitionError(`asset ${uri}: ${extraProblem}`, 'extra');
  }
  return Object.freeze({
    __heatflowAsset: true as const,
    uri: normaliseAssetUri(uri),
    extra: Object.freeze(structuredClone({ ...(extra ?? {}) })),
  });
}

/** Whether `x` is an asset returned by {@link asset} (a brand check). */
export function isAsset(x: unknown): x is Asset {
  if (typeof x !== 'object' || x === null) return false;
  const c = x as Partial<Record<keyof Asset, unknown>>;
  return c.__heatflowAsset === true && typeof c.uri === 'string';
}

/**
 * How a schedule on assets reads: `on asset tado://warehouse`, `on assets a://x, b://y`.
 * @param uris the DAG's scheduled asset URIs (non-empty)
 */
export function assetScheduleLabel(uris: readonly string[]): string {
  return `on asset${uris.length === 1 ? '' : 's'} ${uris.join(', ')}`;
}
