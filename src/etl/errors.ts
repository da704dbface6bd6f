/**
 * Errors of the ETL's data logic. Each names the file, the zone, the JSON path and what was
 * expected there, so a failed task's one-line reason says what to look at.
 */
import { HeatflowError } from '../core/errors.js';

/** One thing wrong with a day report. */
export interface DayReportIssue {
  /** stable kind, e.g. `CUT_SHORT`, `OFF_GRID`, `NOT_CONTIGUOUS` */
  readonly code: string;
  /** JSON path inside the report, e.g. `measuredData.insideTemperature.dataPoints[98].timestamp` */
  readonly path: string;
  /** what is wrong, in words */
  readonly message: string;
  /** the value expected at `path` */
  readonly expected: string;
  /** the value found at `path`, when there is one */
  readonly actual?: string;
}

/** Formats an issue as `path: message (expected …, got …)`. */
export function formatDayReportIssue(issue: DayReportIssue): string {
  const got = issue.actual === undefined ? '' : `, got ${issue.actual}`;
  return `${issue.path}: ${issue.message} (expected ${issue.expected}${got})`;
}

/**
 * A day report does not cover its day as it must (window, grid, contiguity, units). Not retryable
 * as data, but a report cut short (`cutShort`) is worth fetching again: the retry gets a full one.
 * A window mismatch (`windowMismatch`: the report is for another time zone or day) never is.
 */
export class DayReportInvalidError extends HeatflowError {
  constructor(
    /** the report file (as written by extract, relative to the run folder) */
    readonly file: string,
    readonly zoneId: number,
    /** the report's local date */
    readonly date: string,
    /** every issue found (at least one), the most telling first */
    readonly issues: readonly DayReportIssue[],
    /** the report ended before its window closed (fetched too early) */
    readonly cutShort: boolean,
    /** the report's window is that of another time zone or day (a configuration/window mismatch) */
    readonly windowMismatch = false,
  ) {
    const first = issues[0];
    const more =
      issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? 's' : ''})` : '';
    super(
      'DAY_REPORT_INVALID',
      `${file} (zone ${zoneId}, ${date}): ${first === undefined ? 'invalid' : formatDayReportIssue(first)}${more}`,
      { retryable: cutShort && !windowMismatch },
    );
  }
}
