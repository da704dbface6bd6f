/**
 * The two real tado day reports through the whole in-memory chain (flatten as the ETL does →
 * zone-day inputs → clean → resample → metrics), compared with figures computed here from the raw
 * JSON alone, minute by minute (issue 12 §3: "hand-computed metrics … equal … exactly"):
 *
 * - the day's minutes are its minute starts t = start + i·60 s, start being local midnight,
 *   written here from the UK clock (2022-12-07 GMT = UTC; 2022-08-15 BST = UTC+1);
 * - heating minutes: minutes whose t lies in a `callForHeat` interval `[from, to)` whose value is
 *   not NONE;
 * - indoor at t: the point at t, else a + (b − a)·(t − t_a)/(t_b − t_a) between the raw points
 *   around t (they are 15 min apart, so no gap), the documented resampling rule; mean = their sum
 *   in time order / minutes; min and max;
 * - outdoor at t: the `weather.condition` interval containing t; HDD = max(0, 15.5 − mean).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyseZoneDays } from '../../src/analytics/analyse-zone-days.js';
import { zoneDayInputsFromRows } from '../../src/analytics/zone-day-inputs.js';
import { flattenDayReport } from '../../src/etl/flatten-day-report.js';
import { danfoInteriorJoin, importDanfo, type InteriorJoin } from '../../src/etl/join-interior.js';
import { byHand, type RawReport } from '../helpers/hand-metrics.js';
import { buildReport, loadFixture, readFixture, SUMMER, WINTER } from '../helpers/tado-fixtures.js';

const LONDON = 'Europe/London';
let join: InteriorJoin;
beforeAll(async () => {
  join = danfoInteriorJoin(await importDanfo());
});

function analyse(file: string, date: string) {
  const rows = flattenDayReport(loadFixture(file), { homeId: 7, zoneId: 1, date, timeZone: LONDON }, join);
  const inputs = zoneDayInputsFromRows([rows], [{ homeId: 7, zoneId: 1, name: 'Living room' }]);
  return analyseZoneDays(inputs, { keepSeries: true });
}

describe.each([
  { file: WINTER, date: '2022-12-07', startIso: '2022-12-07T00:00:00.000Z' },
  { file: SUMMER, date: '2022-08-15', startIso: '2022-08-14T23:00:00.000Z' },
])('the real report of $date', ({ file, date, startIso }) => {
  it('gives the hand-computed heating minutes, indoor mean/min/max and HDD exactly', () => {
    const hand = byHand(readFixture(file) as RawReport, startIso);
    const result = analyse(file, date);
    expect(result.rejected).toEqual([]);
    const day = result.zoneDays[0];
    expect(day?.series?.dayStartMs).toBe(Date.parse(startIso));
    const m = day?.metrics;
    expect(m?.minutes).toBe(1440);
    expect(m?.heatingMinutes).toBe(hand.heating);
    expect(m?.insideMeanC).toBe(hand.insideMean);
    expect(m?.insideMinC).toBe(hand.min);
    expect(m?.insideMaxC).toBe(hand.max);
    // linear interpolation has its extremes at the points: the day's points' extremes
    expect(m?.insideMaxC).toBe(Math.max(...hand.inDayPoints.map((p) => p.c)));
    expect(m?.insideMinC).toBe(Math.min(...hand.inDayPoints.map((p) => p.c)));
    expect(m?.insideMeanHeatingC).toBe(hand.insideMeanHeating);
    expect(m?.setpointMeanHeatingC).toBe(hand.setpointMeanHeating);
    expect(m?.outsideMeanC).toBe(hand.outsideMean);
    expect(m?.hdd).toBe(hand.hdd);
    expect(m?.coverageFraction).toBe(1);
    // 96 readings in the day (00:00 … 23:45), none set aside
    expect(day?.counts.readings).toBe(96);
    expect(Object.values(day?.counts.temperature ?? {}).reduce((a, b) => a + b, 0)).toBe(0);
    expect(Object.values(day?.counts.humidity ?? {}).reduce((a, b) => a + b, 0)).toBe(0);
    expect(result.homeDays[0]?.heatingMinutes).toBe(hand.heating);
  });
});

describe('the December report (heating, cut short at 00:02:56 the next day)', () => {
  it('counts the HIGH intervals minute by minute: 8 bursts, every heating minute HIGH', () => {
    const m = analyse(WINTER, '2022-12-07').zoneDays[0]?.metrics;
    // all demand is HIGH, whose weight is 1
    expect(m?.demandWeightedMinutes).toBe(m?.heatingMinutes);
    // a person reading the 8 HIGH intervals: minute starts inside each [from, to)
    const raw = readFixture(WINTER) as RawReport;
    const perInterval = raw.callForHeat.dataIntervals
      .filter((i) => i.value === 'HIGH')
      .map((i) => {
        const a = Math.max(Date.parse(i.from), Date.parse('2022-12-07T00:00:00Z'));
        const b = Math.min(Date.parse(i.to), Date.parse('2022-12-08T00:00:00Z'));
        return Math.ceil(b / 60_000) - Math.ceil(a / 60_000);
      });
    expect(perInterval).toHaveLength(8);
    expect(m?.heatingMinutes).toBe(perInterval.reduce((x, y) => x + y, 0));
    expect(m?.heatingMinutes).toBeGreaterThan(0);
  });

  it('the summer report has no heating at all and 0 HDD below its warm mean', () => {
    const m = analyse(SUMMER, '2022-08-15').zoneDays[0]?.metrics;
    expect(m?.heatingMinutes).toBe(0);
    expect(m?.insideMeanHeatingC).toBeNull();
    expect(m?.heatUpRateCPerH).toBeNull();
    expect(m?.comfortDeficitDegreeMinutes).toBe(0); // power OFF all day: no setpoint
  });
});

describe('clock-change days through flatten and the builder (buildReport, Europe/London)', () => {
  it.each([
    ['2022-03-27', 1380, 92],
    ['2022-10-30', 1500, 100],
  ])('%s has %i minutes and %i readings, all covered', (date, minutes, readings) => {
    const rows = flattenDayReport(
      buildReport(date, LONDON),
      { homeId: 7, zoneId: 1, date, timeZone: LONDON },
      join,
    );
    const result = analyseZoneDays(
      zoneDayInputsFromRows([rows], [{ homeId: 7, zoneId: 1, name: 'Living room' }]),
      {
        keepSeries: true,
      },
    );
    expect(result.rejected).toEqual([]);
    const day = result.zoneDays[0];
    expect(day?.metrics.minutes).toBe(minutes);
    expect(day?.series?.insideC).toHaveLength(minutes);
    expect(day?.series?.insideC.every((v) => v !== null)).toBe(true);
    expect(day?.counts.readings).toBe(readings);
    expect(day?.metrics.coverageFraction).toBe(1);
  });
});
