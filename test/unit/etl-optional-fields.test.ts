/**
 * Issue 15 §6: the fields tado's OpenAPI description allows to be missing stay optional: a report
 * without `settings`, without `min`/`max` on the point series, without `percentageUnit` is
 * parsed, checked and flattened like the real one (each built from the real August report).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkDayReport } from '../../src/etl/check-day-report.js';
import { flattenDayReport } from '../../src/etl/flatten-day-report.js';
import { danfoInteriorJoin, importDanfo, type InteriorJoin } from '../../src/etl/join-interior.js';
import { dayReportSchema, parseWithPath } from '../../src/tado/schemas.js';
import { readFixture, SUMMER } from '../helpers/tado-fixtures.js';

const input = { homeId: 1, zoneId: 1, date: '2022-08-15', timeZone: 'Europe/London' };
let join: InteriorJoin;
beforeAll(async () => {
  join = danfoInteriorJoin(await importDanfo());
}, 60_000);

type Json = Record<string, unknown>;
/** The real August report as JSON, edited by `edit`. */
function edited(edit: (raw: Json & { measuredData: Record<string, Json> }) => void): unknown {
  const raw = readFixture(SUMMER) as Json & { measuredData: Record<string, Json> };
  edit(raw);
  return raw;
}

function passes(raw: unknown) {
  const report = parseWithPath(dayReportSchema, raw, 'edited.json');
  const check = checkDayReport(report, { ...input, file: 'edited.json' });
  expect(check.issues).toEqual([]);
  return { report, rows: flattenDayReport(report, input, join) };
}

describe('optional fields of a day report', () => {
  it('the real report itself has each of them (so the edits below remove something)', () => {
    const raw = readFixture(SUMMER) as Json & { measuredData: Record<string, Json> };
    expect(raw.settings).toBeDefined();
    expect(raw.measuredData.insideTemperature).toHaveProperty('min');
    expect(raw.measuredData.insideTemperature).toHaveProperty('max');
    expect(raw.measuredData.humidity).toHaveProperty('percentageUnit');
    expect(raw.measuredData.humidity).toHaveProperty('min');
  });

  it('no settings: accepted, no settings rows, the other series as before', () => {
    const { rows } = passes(edited((r) => delete r.settings));
    expect(rows.settings).toEqual([]);
    expect(rows.interior).toHaveLength(99);
    expect(rows.callForHeat).toHaveLength(1);
  });

  it('no min / max on insideTemperature and humidity: accepted, same readings', () => {
    const { rows } = passes(
      edited((r) => {
        for (const s of [r.measuredData.insideTemperature, r.measuredData.humidity]) {
          delete s?.min;
          delete s?.max;
        }
      }),
    );
    expect(rows.interior).toHaveLength(99);
    expect(rows.interior.every((x) => x.temperatureC !== null && x.humidityFraction !== null)).toBe(true);
  });

  it('no percentageUnit on humidity: accepted, humidity still read as a fraction', () => {
    const { report, rows } = passes(edited((r) => delete r.measuredData.humidity?.percentageUnit));
    expect(report.measuredData.humidity.percentageUnit).toBeUndefined();
    expect(rows.interior.every((x) => x.humidityFraction !== null && x.humidityFraction <= 1)).toBe(true);
  });

  it('no callForHeat (as an AIR_CONDITIONING zone sends): accepted, no call_for_heat rows', () => {
    const { rows } = passes(edited((r) => delete r.callForHeat));
    expect(rows.callForHeat).toEqual([]);
  });
});
