/**
 * The `dates` conf of heating_analytics (`heatflow dags trigger heating_analytics --conf …`): the
 * local dates to re-analyse, as a list of dates and ranges (`["2022-01-01", "2022-03-01..2022-03-31"]`)
 * or as one date set text (`"2022-01-01..2022-12-31,2023-01-04"`), and the DAG's params schema
 * that checks it when a run is triggered. Pure code.
 */
import { z } from 'zod';
import { DateSetError, expandDateSet } from './date-set.js';

/** A `dates` param is malformed; `path` is where, inside the param (`[]`, or `[i]` of a list). */
export class DatesParamError extends DateSetError {
  constructor(
    message: string,
    value: string,
    readonly path: readonly number[],
  ) {
    super(message, value);
    this.name = 'DatesParamError';
  }
}

/**
 * The dates of a `dates` param, sorted and de-duplicated; `undefined` and `null` are none.
 * @throws DatesParamError naming the item at fault: not a string or list of strings, not a
 *   calendar date (`2022-02-30`), a range ending before it starts
 */
export function expandDatesParam(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return wrap(() => expandDateSet(value), []);
  if (!Array.isArray(value))
    throw new DatesParamError(
      `must be a list of dates YYYY-MM-DD (or ranges first..last), or one date set text, got ${JSON.stringify(value)}`,
      JSON.stringify(value),
      [],
    );
  const dates = new Set<string>();
  value.forEach((item: unknown, i) => {
    if (typeof item !== 'string')
      throw new DatesParamError(
        `must be a date YYYY-MM-DD or a range first..last, got ${JSON.stringify(item)}`,
        JSON.stringify(item),
        [i],
      );
    for (const d of wrap(() => expandDateSet(item), [i])) dates.add(d);
  });
  return [...dates].sort();
}

function wrap(fn: () => string[], path: readonly number[]): string[] {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DateSetError) throw new DatesParamError(err.message, err.value, path);
    throw err;
  }
}

/** The zod schema of the `dates` param (see {@link expandDatesParam}); issues carry the item's index. */
export const datesParamSchema = z.unknown().superRefine((value, ctx) => {
  try {
    expandDatesParam(value);
  } catch (err) {
    if (!(err instanceof DatesParamError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message, path: [...err.path] });
  }
});

/** heating_analytics' run conf: only `dates` (strict: a misspelt key such as `date` is rejected). */
export const heatingAnalyticsParamsSchema = z.strictObject({ dates: datesParamSchema.optional() });
