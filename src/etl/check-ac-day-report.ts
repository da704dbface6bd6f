/**
 * The shape checks of an AIR_CONDITIONING zone's day report (pure), on top of what
 * `check-day-report.ts` checks for every report (window, grid, contiguous series, which for AC
 * includes `acActivity`).
 *
 * The AC shape, from tado's community OpenAPI description (kritsel/tado-openapispec-v2:
 * `DayReport.acActivity` is a `PowerTimeSeries`, `valueType "power"`, `ON`/`OFF` intervals;
 * `settings` is a `ZoneSettingTimeSeries` of `valueType "airConditioningSetting"` whose values are
 * `ZoneSetting`s with `type: AIR_CONDITIONING`, `power`, `mode`, `fanLevel`, swings; its test
 * suite lets `callForHeat` be absent on AC) and ../shared/docs/tado-api.md §5.1/§5.4:
 *
 * - `acActivity` is present (it is what an AC zone has instead of `callForHeat`);
 * - every `settings` value is of type `AIR_CONDITIONING`, and one that is `ON` names its `mode`
 *   (`COOL`, `HEAT`, `DRY`, `FAN`, `AUTO`; the enum is open, an unknown mode passes);
 * - a `callForHeat` series on an AC report is not an error (tado documents it as absent; one
 *   that comes anyway is checked like any series and stored as sent).
 */
import type { DayReport } from '../tado/schemas.js';
import type { DayReportIssue } from './errors.js';

/** tado's zone type of an air-conditioning zone. */
export const AIR_CONDITIONING = 'AIR_CONDITIONING';

/**
 * The issues of an AIR_CONDITIONING report's AC-specific shape; none for other zone types.
 * Paths are JSON paths inside the report (`settings.dataIntervals[3].value.mode`).
 */
export function checkAcDayReport(report: DayReport): DayReportIssue[] {
  if (report.zoneType !== AIR_CONDITIONING) return [];
  const issues: DayReportIssue[] = [];
  if (report.acActivity === undefined) {
    issues.push({
      code: 'MISSING_SERIES',
      path: 'acActivity',
      message: 'an AIR_CONDITIONING report has no acActivity series',
      expected:
        'acActivity: {timeSeriesType: "dataIntervals", valueType: "power", dataIntervals: [{from, to, value: "ON"|"OFF"}]}',
      actual: 'absent',
    });
  }
  (report.settings?.dataIntervals ?? []).forEach((iv, i) => {
    const path = `settings.dataIntervals[${i}].value`;
    if (iv.value.type !== AIR_CONDITIONING) {
      issues.push({
        code: 'WRONG_SETTING_TYPE',
        path: `${path}.type`,
        message: 'a setting of an AIR_CONDITIONING report is not an AC setting',
        expected: AIR_CONDITIONING,
        actual: String(iv.value.type),
      });
    }
    if (iv.value.power === 'ON' && (iv.value.mode === undefined || iv.value.mode === null)) {
      issues.push({
        code: 'MISSING_AC_MODE',
        path: `${path}.mode`,
        message: 'an AC setting that is ON has no mode',
        expected: 'one of COOL, HEAT, DRY, FAN, AUTO',
        actual: 'absent',
      });
    }
  });
  return issues;
}
