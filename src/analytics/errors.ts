/**
 * Errors of the heating analytics' pure code. Each names the zone-day at fault, so a task that
 * fails on one day says which one, and the others' analytics stay unaffected.
 */
import { HeatflowError } from '../core/errors.js';

/**
 * - `ZONE_DAY_INCOMPLETE`: the day's `tado` rows are missing or half loaded (`findIncompleteness`);
 * - `ZONE_DAY_INVALID`: the input breaks the shape `ZoneDayInput` promises (readings out
 *   of order, a day whose length is not whole minutes): a bug upstream, not bad data.
 */
export type ZoneDayErrorCode = 'ZONE_DAY_INCOMPLETE' | 'ZONE_DAY_INVALID';

/** One zone-day cannot be analysed; the message starts with `zone <id> (<name>) <date>:`. */
export class ZoneDayError extends HeatflowError {
  constructor(
    code: ZoneDayErrorCode,
    message: string,
    readonly homeId: number,
    readonly zoneId: number,
    /** local date, `YYYY-MM-DD` */
    readonly date: string,
  ) {
    super(code, message);
  }
}

/** `zone 3 (Kitchen) 2022-03-04`: how messages name a zone-day. */
export function zoneDayLabel(day: { zoneId: number; zoneName: string; date: string }): string {
  return `zone ${day.zoneId} (${day.zoneName}) ${day.date}`;
}
