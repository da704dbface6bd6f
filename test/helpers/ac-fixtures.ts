/**
 * AIR_CONDITIONING day reports built from the real August 2022 heating report (no real AC
 * capture is in ../shared/fixtures/tado/): its window, its 99 points, its weather and its
 * measuring-device series are kept as tado sent them; the heating series are replaced by the AC
 * ones in the shape tado's community OpenAPI description gives (kritsel/tado-openapispec-v2:
 * `DayReport.acActivity` a `PowerTimeSeries` of `valueType "power"`, `settings` of
 * `valueType "airConditioningSetting"` with `ZoneSetting` values `{type: "AIR_CONDITIONING",
 * power, mode, temperature, fanLevel, verticalSwing, horizontalSwing}`; no `callForHeat`;
 * tado-api.md §5.1/§5.4). FAN has no temperature, as Home Assistant's tado integration expects
 * (`TADO_MODES_WITH_NO_TEMP_SETTING`).
 */
import { dayReportSchema, parseWithPath, type DayReport } from '../../src/tado/schemas.js';
import { readFixture, SUMMER } from './tado-fixtures.js';

/** The local date of the August fixture (Europe/London, BST). */
export const AC_DATE = '2022-08-15';

/** The instants the built AC report switches at (inner boundaries on odd seconds, as tado's). */
export const AC_TIMES = {
  coolOn: '2022-08-15T10:02:13.000Z',
  unitOff1: '2022-08-15T12:40:07.512Z',
  unitOn2: '2022-08-15T13:05:44.000Z',
  fanOn: '2022-08-15T15:47:51.520Z',
  allOff: '2022-08-15T17:30:09.000Z',
} as const;

/** A COOL setting at 24 °C, fan LEVEL2, vertical swing MID. */
export const COOL_24 = {
  type: 'AIR_CONDITIONING',
  power: 'ON',
  mode: 'COOL',
  temperature: { celsius: 24, fahrenheit: 75.2 },
  fanLevel: 'LEVEL2',
  verticalSwing: 'MID',
  horizontalSwing: 'OFF',
};
/** A FAN setting: no temperature. */
export const FAN_ONLY = {
  type: 'AIR_CONDITIONING',
  power: 'ON',
  mode: 'FAN',
  fanLevel: 'LEVEL3',
  verticalSwing: 'ON',
  horizontalSwing: 'ON',
};
/** The unit switched off. */
export const AC_OFF = { type: 'AIR_CONDITIONING', power: 'OFF' };

/**
 * The raw JSON of an AC day report for {@link AC_DATE}: OFF, COOL 24 °C from 10:02Z, FAN from
 * 15:47Z, OFF from 17:30Z; `acActivity` ON while cooling except a pause 12:40–13:05Z, and all
 * the time the fan runs. Each call returns a fresh copy (edit it freely).
 */
export function acReportJson(): Record<string, unknown> {
  const raw = structuredClone(readFixture(SUMMER)) as Record<string, unknown> & {
    interval: { from: string; to: string };
  };
  const { from, to } = raw.interval;
  const t = AC_TIMES;
  const settings = [
    { from, to: t.coolOn, value: AC_OFF },
    { from: t.coolOn, to: t.fanOn, value: COOL_24 },
    { from: t.fanOn, to: t.allOff, value: FAN_ONLY },
    { from: t.allOff, to, value: AC_OFF },
  ];
  delete raw.callForHeat;
  raw.zoneType = 'AIR_CONDITIONING';
  raw.settings = {
    timeSeriesType: 'dataIntervals',
    valueType: 'airConditioningSetting',
    dataIntervals: settings,
  };
  raw.stripes = {
    timeSeriesType: 'dataIntervals',
    valueType: 'stripes',
    dataIntervals: settings.map((s) => ({ ...s, value: { stripeType: 'HOME', setting: s.value } })),
  };
  raw.acActivity = {
    timeSeriesType: 'dataIntervals',
    valueType: 'power',
    dataIntervals: [
      { from, to: t.coolOn, value: 'OFF' },
      { from: t.coolOn, to: t.unitOff1, value: 'ON' },
      { from: t.unitOff1, to: t.unitOn2, value: 'OFF' },
      { from: t.unitOn2, to: t.allOff, value: 'ON' },
      { from: t.allOff, to, value: 'OFF' },
    ],
  };
  // a deep copy: the settings above share the exported constants
  return structuredClone(raw);
}

/** {@link acReportJson} parsed with the tado schema. */
export function acReport(): DayReport {
  return parseWithPath(dayReportSchema, acReportJson(), 'ac-dayreport-2022-08-15');
}
