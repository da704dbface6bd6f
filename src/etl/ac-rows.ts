/**
 * The rows of an AIR_CONDITIONING zone's day report that heating zones do not have (pure):
 * `tado.ac_activity` from `acActivity`, and the AC columns of `tado.settings` (`mode`,
 * `fan_level`, `vertical_swing`, `horizontal_swing`).
 *
 * Shapes: tado's community OpenAPI description (kritsel/tado-openapispec-v2: `PowerTimeSeries`,
 * `ZoneSetting`, `AirConditioningZoneSettingsBase`) and the Home Assistant tado integration, which
 * reads `fanLevel` or, on older units, `fanSpeed`, and `verticalSwing`/`horizontalSwing` or, on
 * older units, one `swing` (`homeassistant/components/tado/climate.py`).
 */
import type { ZoneSetting } from '../tado/schemas.js';
import type { AcActivityRow, SettingRow } from './warehouse-rows.js';

/** The AC columns of a `tado.settings` row. */
export type AcSettingColumns = Required<
  Pick<SettingRow, 'mode' | 'fanLevel' | 'verticalSwing' | 'horizontalSwing'>
>;

/** A string field of a setting, or null when absent, null or empty. */
const text = (v: string | null | undefined): string | null =>
  v === undefined || v === null || v === '' ? null : v;

/**
 * The AC columns of a setting: all null for a heating setting (which has none of these keys).
 * `fanLevel` falls back to an older unit's `fanSpeed`, `verticalSwing` to its `swing`.
 */
export function acSettingColumns(setting: ZoneSetting): AcSettingColumns {
  return {
    mode: text(setting.mode),
    fanLevel: text(setting.fanLevel) ?? text(setting.fanSpeed),
    verticalSwing: text(setting.verticalSwing) ?? text(setting.swing),
    horizontalSwing: text(setting.horizontalSwing),
  };
}

/**
 * `tado.ac_activity` rows of a report, from its `acActivity` intervals already clipped to the
 * local day (`clipToDay`); empty when the report has none (heating zones).
 */
export function acActivityRows(
  clipped: readonly { intervalStart: string; intervalEnd: string; value: string }[],
  key: { homeId: number; zoneId: number; reportDate: string },
): AcActivityRow[] {
  return clipped.map((i) => ({
    ...key,
    intervalStart: i.intervalStart,
    intervalEnd: i.intervalEnd,
    power: i.value,
  }));
}
