import { describe, expect, it } from 'vitest';
import { assertZoneDayComplete, findIncompleteness } from '../../src/analytics/check-zone-day.js';
import { ZoneDayError } from '../../src/analytics/errors.js';
import type { ZoneDayInput } from '../../src/analytics/types.js';
import { MIN, syntheticDay } from '../helpers/analytics-inputs.js';

const base = (): ZoneDayInput => syntheticDay({ date: '2022-03-04', zoneId: 3, zoneName: 'Kitchen' });
const START = Date.parse('2022-03-04T00:00:00Z'); // GMT

describe('findIncompleteness', () => {
  it('passes a complete day', () => {
    expect(findIncompleteness(base())).toBeNull();
    expect(() => assertZoneDayComplete(base())).not.toThrow();
  });

  it('names zone, date and table for readings half loaded (the example of the brief)', () => {
    const day = base();
    // keep 12 of the day's 96 readings (and the margins)
    const inDay = day.readings.filter((r) => r.tsMs >= day.dayStartMs && r.tsMs < day.dayEndMs);
    const kept = new Set(inDay.slice(0, 12).map((r) => r.tsMs));
    const input = {
      ...day,
      readings: day.readings.filter(
        (r) => r.tsMs < day.dayStartMs || r.tsMs >= day.dayEndMs || kept.has(r.tsMs),
      ),
    };
    expect(findIncompleteness(input)).toBe(
      "zone 3 (Kitchen) 2022-03-04: tado.interior has 12 of the day's 96 readings (half loaded)",
    );
    expect(() => assertZoneDayComplete(input)).toThrow(ZoneDayError);
  });

  it('says "not loaded" when a table has nothing for the day', () => {
    const day = base();
    expect(findIncompleteness({ ...day, readings: [] })).toBe(
      "zone 3 (Kitchen) 2022-03-04: tado.interior has none of the day's 96 readings (not loaded)",
    );
    for (const [key, table] of [
      ['callForHeat', 'tado.call_for_heat'],
      ['settings', 'tado.settings'],
      ['deviceConnected', 'tado.device_connected'],
      ['weather', 'tado.weather'],
    ] as const) {
      const problem = findIncompleteness({ ...day, [key]: [] });
      // an empty device_connected also loses the excuse for nothing: readings are all there
      expect(problem).toBe(`zone 3 (Kitchen) 2022-03-04: ${table} has no interval for the day (not loaded)`);
    }
  });

  it('finds a gap in a step series, with its span', () => {
    const day = base();
    const settings = [
      { startMs: START, endMs: START + 8 * 60 * MIN, value: { powerOn: true, setpointC: 20 } },
      { startMs: START + 9 * 60 * MIN, endMs: day.dayEndMs, value: { powerOn: true, setpointC: 20 } },
    ];
    expect(findIncompleteness({ ...day, settings })).toBe(
      'zone 3 (Kitchen) 2022-03-04: tado.settings leaves 60 min of the day uncovered ' +
        '(from 2022-03-04T08:00:00.000Z to 2022-03-04T09:00:00.000Z; half loaded)',
    );
  });

  it('finds a step series that stops before the day ends, and counts several gaps', () => {
    const day = base();
    const callForHeat = [
      { startMs: START + 30 * MIN, endMs: START + 600 * MIN, value: 0 as const },
      { startMs: START + 660 * MIN, endMs: START + 1380 * MIN, value: 0 as const },
    ];
    expect(findIncompleteness({ ...day, callForHeat })).toBe(
      'zone 3 (Kitchen) 2022-03-04: tado.call_for_heat leaves 150 min of the day uncovered ' +
        '(in 3 gaps, the first from 2022-03-04T00:00:00.000Z to 2022-03-04T00:30:00.000Z; half loaded)',
    );
  });

  it('finds overlapping intervals', () => {
    const day = base();
    const weather = [
      { startMs: START, endMs: START + 700 * MIN, value: { state: null, temperatureC: null } },
      { startMs: START + 600 * MIN, endMs: day.dayEndMs, value: { state: 'SUN', temperatureC: 4 } },
    ];
    expect(findIncompleteness({ ...day, weather })).toBe(
      'zone 3 (Kitchen) 2022-03-04: tado.weather has overlapping intervals ' +
        '[2022-03-04T00:00:00.000Z, 2022-03-04T11:40:00.000Z) and [2022-03-04T10:00:00.000Z, 2022-03-05T00:00:00.000Z)',
    );
  });

  it('accepts null weather values when the intervals tile the day', () => {
    const day = base();
    const weather = [{ startMs: START, endMs: day.dayEndMs, value: { state: null, temperatureC: null } }];
    expect(findIncompleteness({ ...day, weather })).toBeNull();
  });

  it('excuses the grid points inside disconnected spans, and only those', () => {
    // offline 10:00-14:00 (16 grid points); tado sent nothing there
    const offline = syntheticDay({
      date: '2022-03-04',
      zoneId: 3,
      zoneName: 'Kitchen',
      offline: [[600, 840]],
      omit: (m) => m >= 600 && m < 840,
    });
    expect(findIncompleteness(offline)).toBeNull();
    // the same gap while connected is half loaded
    const connected = syntheticDay({
      date: '2022-03-04',
      zoneId: 3,
      zoneName: 'Kitchen',
      omit: (m) => m >= 600 && m < 840,
    });
    expect(findIncompleteness(connected)).toBe(
      "zone 3 (Kitchen) 2022-03-04: tado.interior has 80 of the day's 96 readings (half loaded)",
    );
    // offline, with more missing than the span explains
    const worse = syntheticDay({
      date: '2022-03-04',
      zoneId: 3,
      zoneName: 'Kitchen',
      offline: [[600, 840]],
      omit: (m) => m >= 540 && m < 840,
    });
    expect(findIncompleteness(worse)).toBe(
      'zone 3 (Kitchen) 2022-03-04: tado.interior has 76 of the 80 readings expected ' +
        "(the day's 96 less 16 while the device was disconnected; half loaded)",
    );
  });

  it('uses the clock-change days’ own grids (92 and 100 points)', () => {
    expect(findIncompleteness(syntheticDay({ date: '2022-03-27' }))).toBeNull();
    expect(findIncompleteness(syntheticDay({ date: '2022-10-30' }))).toBeNull();
    const spring = syntheticDay({ date: '2022-03-27', omit: (m) => m === 600 });
    expect(findIncompleteness(spring)).toMatch(/tado\.interior has 91 of the day's 92 readings/);
    const autumn = syntheticDay({ date: '2022-10-30', omit: (m) => m === 600 });
    expect(findIncompleteness(autumn)).toMatch(/tado\.interior has 99 of the day's 100 readings/);
  });

  it('lists every problem of a day in one message', () => {
    const day = base();
    expect(findIncompleteness({ ...day, settings: [], readings: [] })).toBe(
      'zone 3 (Kitchen) 2022-03-04: tado.settings has no interval for the day (not loaded); ' +
        "tado.interior has none of the day's 96 readings (not loaded)",
    );
  });
});
