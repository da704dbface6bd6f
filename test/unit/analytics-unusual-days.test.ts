import { describe, expect, it } from 'vitest';
import { homeDayMetrics } from '../../src/analytics/home-day-metrics.js';
import { modifiedZScores } from '../../src/analytics/modified-z.js';
import type { ChangePointFit, ZoneDayMetrics } from '../../src/analytics/types.js';
import { findUnusualDays } from '../../src/analytics/unusual-days.js';

/** A fit given by hand: T_b 15 °C, β 0.5 h/°C, μ 0.2 h. */
const FIT: ChangePointFit = {
  model: 'heating_change_point',
  balanceTemperatureC: 15,
  slopeHoursPerC: 0.5,
  interceptHours: 0.2,
  r2: 0.9,
  adjustedR2: 0.9,
  cvRmse: 0.2,
  nmbe: 0,
  n: 100,
  heatingDays: 60,
  slopePValue: 0,
  weatherDependent: true,
  decision: 'given by the test',
};
const INTERCEPT_ONLY: ChangePointFit = {
  ...FIT,
  model: 'intercept_only',
  balanceTemperatureC: null,
  slopeHoursPerC: null,
  interceptHours: 2,
  weatherDependent: false,
};

const dateOf = (k: number) => new Date(Date.UTC(2022, 0, 1) + k * 86_400_000).toISOString().slice(0, 10);

function day(k: number, over: Partial<ZoneDayMetrics> = {}): ZoneDayMetrics {
  return {
    homeId: 7,
    zoneId: 1,
    date: dateOf(k),
    minutes: 1440,
    heatingMinutes: 0,
    demandWeightedMinutes: 0,
    insideMeanC: 20,
    insideMinC: 19,
    insideMaxC: 21,
    insideMeanHeatingC: null,
    heatingMinutesWithInside: 0,
    setpointMeanHeatingC: null,
    comfortDeficitDegreeMinutes: 0,
    minutesBelowSetpoint2CHeating: 0,
    outsideMeanC: 10,
    hdd: 5.5,
    heatUpRateCPerH: null,
    maxDrop1hC: 0,
    maxDrop1hAtMs: null,
    coverageFraction: 1,
    ...over,
  };
}

/** 60 cold days heating as the fit predicts, ± up to 0.3 h (a fixed pattern), then 30 warm days at 0 h. */
function winter(): ZoneDayMetrics[] {
  const days: ZoneDayMetrics[] = [];
  for (let k = 0; k < 60; k++) {
    const t = 2 + (k % 10);
    const hours = 0.2 + 0.5 * (15 - t) + 0.3 * Math.sin(k * 1.7);
    days.push(day(k, { outsideMeanC: t, heatingMinutes: Math.round(hours * 60) }));
  }
  for (let k = 60; k < 90; k++) days.push(day(k, { outsideMeanC: 17, heatingMinutes: 0 }));
  return days;
}

describe('modifiedZScores', () => {
  it('is 0.6745·(x − median)/MAD', () => {
    const z = modifiedZScores([10, 11, 12, 12, 13, 14, 35]);
    expect([z.median, z.mad, z.scale]).toEqual([12, 1, 'mad']);
    expect(z.scores[6]).toBeCloseTo(0.6745 * 23, 12);
    expect(z.scores[0]).toBeCloseTo(-0.6745 * 2, 12);
  });

  it('falls back to 1.253314·MeanAD when MAD is 0, and to 0 when all values are equal', () => {
    const z = modifiedZScores([0, 0, 0, 0, 0, 0, 3]);
    expect([z.mad, z.scale]).toEqual([0, 'mean_ad']);
    expect(z.scores[6]).toBeCloseTo(3 / (1.253314 * (3 / 7)), 12);
    expect(modifiedZScores([2, 2, 2]).scores).toEqual([0, 0, 0]);
  });
});

describe('findUnusualDays: residuals', () => {
  it('flags an injected outlier and none of the other days', () => {
    const days = winter();
    const k = 25;
    days[k] = {
      ...(days[k] as ZoneDayMetrics),
      heatingMinutes: (days[k] as ZoneDayMetrics).heatingMinutes + 4 * 60,
    };
    const found = findUnusualDays({ days, fit: FIT });
    expect(found.map((u) => [u.date, u.reason])).toEqual([[dateOf(k), 'residual']]);
    expect(found[0]?.figures).toMatchObject({ daysTested: 60, scale: 'mad' });
    expect(Number(found[0]?.figures.modifiedZ)).toBeGreaterThan(3.5);
    expect(found[0]?.description).toMatch(/h of heating where the energy signature predicts .* modified z/);
    // without the injection: nothing
    expect(findUnusualDays({ days: winter(), fit: FIT })).toEqual([]);
  });

  it('tests only the days below T_b for a weather-dependent fit, every day for intercept-only', () => {
    const days = winter();
    // 90 min on a warm day: not a residual outlier (not tested), and under the 120-min rule
    days[70] = { ...(days[70] as ZoneDayMetrics), heatingMinutes: 90 };
    expect(findUnusualDays({ days, fit: FIT })).toEqual([]);
    // intercept-only (μ 2 h): the 30 warm days at 0 h are residuals of −2 h like the rest; the
    // winter spread is wide, nothing stands out
    const flat = Array.from({ length: 40 }, (_, k) => day(k, { heatingMinutes: 120 + ((k * 37) % 21) - 10 }));
    flat[12] = day(12, { heatingMinutes: 600 });
    expect(findUnusualDays({ days: flat, fit: INTERCEPT_ONLY }).map((u) => [u.date, u.reason])).toEqual([
      [dateOf(12), 'residual'],
    ]);
  });

  it('skips the residual test with fewer than 10 days', () => {
    const days = winter().slice(0, 9);
    days[3] = { ...(days[3] as ZoneDayMetrics), heatingMinutes: 1400 };
    expect(findUnusualDays({ days, fit: FIT }).filter((u) => u.reason === 'residual')).toEqual([]);
  });
});

describe('findUnusualDays: rules', () => {
  it('flags heating of over 120 min above T_b, and (for the home) no heating 5 °C or more below it', () => {
    const days = winter();
    days[61] = day(61, { outsideMeanC: 16, heatingMinutes: 121 });
    days[62] = day(62, { outsideMeanC: 16, heatingMinutes: 120 });
    days[63] = day(63, { outsideMeanC: 15, heatingMinutes: 300 }); // at T_b, not above
    const found = findUnusualDays({ days, fit: FIT });
    expect(found.map((u) => [u.date, u.reason])).toEqual([[dateOf(61), 'heating_above_balance']]);
    expect(found[0]?.figures).toEqual({ heatingMinutes: 121, outsideMeanC: 16, balanceTemperatureC: 15 });

    const cold = winter();
    cold[64] = day(64, { outsideMeanC: 10, heatingMinutes: 0 }); // exactly 5 °C below
    cold[65] = day(65, { outsideMeanC: 10.5, heatingMinutes: 0 });
    // both are also residual outliers (2.7 h and 2.45 h predicted, 0 h observed, the winter
    // residuals spread by ±0.3 h); only the first is 5 °C below T_b, and only the home scope has
    // the rule (a room may be unheated by its schedule)
    const home = cold.map((d) => homeDayMetrics([d]));
    expect(findUnusualDays({ days: home, fit: FIT }).map((u) => [u.date, u.reason])).toEqual([
      [dateOf(64), 'residual'],
      [dateOf(64), 'no_heating_cold_day'],
      [dateOf(65), 'residual'],
    ]);
    expect(findUnusualDays({ days: cold, fit: FIT }).map((u) => [u.date, u.reason])).toEqual([
      [dateOf(64), 'residual'],
      [dateOf(65), 'residual'],
    ]);
  });

  it('needs a weather-dependent fit for the T_b rules', () => {
    const days = [
      day(0, { outsideMeanC: 25, heatingMinutes: 300 }),
      day(1, { outsideMeanC: -3, heatingMinutes: 0 }),
    ];
    expect(findUnusualDays({ days, fit: INTERCEPT_ONLY })).toEqual([]);
  });

  it('flags below-setpoint, open-window and low-coverage zone-days at their thresholds', () => {
    const days = [
      day(0, { minutesBelowSetpoint2CHeating: 61, heatingMinutes: 200, outsideMeanC: 20 }),
      day(1, { minutesBelowSetpoint2CHeating: 60, heatingMinutes: 100, outsideMeanC: 20 }),
      day(2, { maxDrop1hC: 3, maxDrop1hAtMs: Date.parse('2022-01-03T10:15:00Z'), outsideMeanC: 20 }),
      day(3, { maxDrop1hC: 2.99, maxDrop1hAtMs: Date.parse('2022-01-04T10:15:00Z'), outsideMeanC: 20 }),
      day(4, { coverageFraction: 0.79, outsideMeanC: 20 }),
      day(5, { coverageFraction: 0.8, outsideMeanC: 20 }),
    ];
    const found = findUnusualDays({ days, fit: INTERCEPT_ONLY });
    expect(found.map((u) => [u.date, u.reason])).toEqual([
      [dateOf(0), 'below_setpoint'],
      [dateOf(2), 'open_window'],
      [dateOf(4), 'low_coverage'],
    ]);
    expect(found[1]?.figures).toEqual({ maxDrop1hC: 3, maxDrop1hAt: '2022-01-03T10:15:00.000Z' });
    expect(found[1]?.description).toBe(
      'the room fell 3.0 °C within an hour at a constant setpoint from 2022-01-03T10:15:00.000Z (an open window: at least 3 °C)',
    );
    expect(found[2]?.description).toBe(
      "only 1138 of the day's 1440 minutes (79 %) have an indoor temperature (under 80 %)",
    );
  });

  it('judges the home scope on its heating only', () => {
    const zoneDays = [
      day(0, {
        coverageFraction: 0.1,
        maxDrop1hC: 5,
        minutesBelowSetpoint2CHeating: 500,
        heatingMinutes: 600,
        outsideMeanC: 17,
      }),
    ];
    const home = zoneDays.map((z) => homeDayMetrics([z]));
    const found = findUnusualDays({ days: home, fit: FIT });
    expect(found.map((u) => [u.zoneId, u.reason])).toEqual([[null, 'heating_above_balance']]);
  });

  it('rejects days of two scopes', () => {
    expect(() => findUnusualDays({ days: [day(0), day(1, { zoneId: 2 })], fit: FIT })).toThrow(
      /another scope/,
    );
    expect(() => findUnusualDays({ days: [day(0), day(0)], fit: FIT })).toThrow(/repeats a date/);
  });
});
