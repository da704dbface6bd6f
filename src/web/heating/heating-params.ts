/**
 * Validation of the heating dashboard's path and query parameters (zod), shared by its pages and
 * its API. A bad value is a 400 naming the parameter and the value (`parseInput`): `date
 * "2022-02-30" is not a calendar date`, `zone "kitchen": expected a zone id (a positive integer)`.
 */
import { z } from 'zod';

/** A calendar year, 1900..2999. */
export const yearParam = z
  .string()
  .regex(/^\d{4}$/, 'expected a year such as 2022')
  .transform(Number)
  .refine((y) => y >= 1900 && y <= 2999, 'expected a year between 1900 and 2999');

/** A tado zone id (a positive integer). */
export const zoneParam = z
  .string()
  .regex(/^[1-9]\d{0,8}$/, 'expected a zone id (a positive integer)')
  .transform(Number);

/** A tado home id (a positive integer). */
export const homeParam = z
  .string()
  .regex(/^[1-9]\d{0,9}$/, 'expected a home id (a positive integer)')
  .transform(Number);

/** Whether `YYYY-MM-DD` names a day of the Gregorian calendar (2022-02-30 does not). */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** A local date `YYYY-MM-DD` that exists. */
export const dateParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .superRefine((s, ctx) => {
    if (!isCalendarDate(s)) ctx.addIssue({ code: 'custom', message: `"${s}" is not a calendar date` });
  });

/** The unusual-days list's sort keys (`-` first: descending). */
export const UNUSUAL_SORTS = ['date', 'zone', 'reason'] as const;
/** A sort key of the unusual-days list. */
export type UnusualSort = (typeof UNUSUAL_SORTS)[number];

/** `sort=date|zone|reason`, `-` prefix for descending. */
export const sortParam = z
  .string()
  .regex(/^-?(date|zone|reason)$/, 'expected date, zone or reason, with - for descending')
  .transform((s) => ({ key: s.replace(/^-/, '') as UnusualSort, descending: s.startsWith('-') }));

/** The query of a year page or endpoint. */
export const yearQuery = z.object({ year: yearParam.optional(), home: homeParam.optional() });
/** The query of a zone-day. */
export const homeQuery = z.object({ home: homeParam.optional() });
