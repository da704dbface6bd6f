import { describe, expect, it } from 'vitest';
import { heatUpEpisodes } from '../../src/analytics/heat-up-episodes.js';
import { homeDayMetrics } from '../../src/analytics/home-day-metrics.js';
import { maxDrop } from '../../src/analytics/max-drop.js';
import { periodMetrics } from '../../src/analytics/period-metrics.js';
import type { DemandLevel, ZoneDayMetrics, ZoneMinuteSeries } from '../../src/analytics/types.js';
import { zoneDayMetrics } from '../../src/analytics/zone-day-metrics.js';

const START = Date.parse('2022-01-12T00:00:00Z');

/** A minute series whose columns the test writes minute by minute. */
function series(
  minutes: number,
  at: (i: number) => {
    inside?: number | null;
    setpoint?: number | null;
    demand?: DemandLevel | null;
    outside?: number | null;
  },
): ZoneMinuteSeries {
  const rows = Array.from({ length: minutes }, (_, i) => at(i));
  return {
    homeId: 7,
    zoneId: 1,
    date: '2022-01-12',
    dayStartMs: START,
    minutes,
    insideC: rows.map((r) => (r.inside === undefined ? 20 : r.inside)),
    humidityFraction: rows.map(() => 0.5),
    setpointC: rows.map((r) => (r.setpoint === undefined ? 20 : r.setpoint)),
    demandLevel: rows.map((r) => (r.demand === undefined ? 0 : r.demand)),
    powerOn: rows.map((r) => r.setpoint !== null),
    outsideC: rows.map((r) => (r.outside === undefined ? 5 : r.outside)),
    weatherState: rows.map(() => 'CLOUDY'),
    connected: rows.map(() => true),
    cleaned: rows.map(() => false),
  };
}

describe('zoneDayMetrics', () => {
  it('counts heating and demand-weighted minutes (LOW 1/3, MEDIUM 2/3, HIGH 1)', () => {
    // LOW 30 min, MEDIUM 60 min, HIGH 90 min
    const s = series(1440, (i) => ({ demand: i < 30 ? 1 : i < 90 ? 2 : i < 180 ? 3 : 0 }));
    const m = zoneDayMetrics(s);
    expect(m.heatingMinutes).toBe(180);
    expect(m.demandWeightedMinutes).toBeCloseTo(30 / 3 + (60 * 2) / 3 + 90, 12);
  });

  it('computes indoor mean/min/max over valid minutes, and coverage', () => {
    // 1,000 minutes at 19 and 20 alternating, 440 unknown
    const s = series(1440, (i) => ({ inside: i >= 1000 ? null : i % 2 === 0 ? 19 : 20 }));
    const m = zoneDayMetrics(s);
    expect(m.insideMeanC).toBe(19.5);
    expect(m.insideMinC).toBe(19);
    expect(m.insideMaxC).toBe(20);
    expect(m.coverageFraction).toBe(1000 / 1440);
    const none = zoneDayMetrics(series(1440, () => ({ inside: null })));
    expect([none.insideMeanC, none.insideMinC, none.insideMaxC, none.coverageFraction]).toEqual([
      null,
      null,
      null,
      0,
    ]);
  });

  it('computes comfort figures at setpoints of 12 °C or more only', () => {
    // 0-99: setpoint 21, inside 18 (3 °C short, heating); 100-199: setpoint 10 (frost), inside 8;
    // 200-299: setpoint 21, inside 19.5 (1.5 °C short, heating); 300-399: setpoint 21, inside 18, not heating
    const s = series(1440, (i) =>
      i < 100
        ? { setpoint: 21, inside: 18, demand: 3 }
        : i < 200
          ? { setpoint: 10, inside: 8, demand: 1 }
          : i < 300
            ? { setpoint: 21, inside: 19.5, demand: 2 }
            : i < 400
              ? { setpoint: 21, inside: 18, demand: 0 }
              : { setpoint: null, inside: 18 },
    );
    const m = zoneDayMetrics(s);
    expect(m.comfortDeficitDegreeMinutes).toBeCloseTo(100 * 3 + 100 * 1.5 + 100 * 3, 9);
    // the 21 °C setpoint holds from the day's start: its first 60 minutes are the warm-up allowance
    expect(m.minutesBelowSetpoint2CHeating).toBe(40);
    expect(m.heatingMinutes).toBe(300);
    expect(m.heatingMinutesWithInside).toBe(300);
    expect(m.insideMeanHeatingC).toBeCloseTo((100 * 18 + 100 * 8 + 100 * 19.5) / 300, 12);
    expect(m.setpointMeanHeatingC).toBeCloseTo((100 * 21 + 100 * 10 + 100 * 21) / 300, 12);
  });

  it('gives a setpoint 60 minutes to warm the room before counting minutes below it', () => {
    // 06:00 the setpoint rises from 16 to 20 with the room at 16, heating at HIGH; the room gains
    // 1 °C/h, so it is more than 2 °C below until 08:00: 120 minutes, of which 60 are warm-up
    const s = series(1440, (i) =>
      i < 360
        ? { setpoint: 16, inside: 16, demand: 0 }
        : i < 600
          ? { setpoint: 20, inside: Math.min(20, 16 + (i - 360) / 60), demand: 3 }
          : { setpoint: 20, inside: 20, demand: 0 },
    );
    expect(zoneDayMetrics(s).minutesBelowSetpoint2CHeating).toBe(60);
    // a setpoint change restarts the allowance: 20 → 21 at 07:00 (room at 17)
    const t = series(1440, (i) =>
      i < 360
        ? { setpoint: 16, inside: 16, demand: 0 }
        : i < 600
          ? { setpoint: i < 420 ? 20 : 21, inside: 16 + (i - 360) / 60, demand: 3 }
          : { setpoint: 21, inside: 21, demand: 0 },
    );
    // below 20 − 2 until 08:00 (06:00–06:59 allowance, then 07:00 is a new setpoint 21: below 19
    // until 09:00; 07:00–07:59 allowance) → 08:00–08:59 counts: 60
    expect(zoneDayMetrics(t).minutesBelowSetpoint2CHeating).toBe(60);
  });

  it('computes HDD with base 15.5 °C from the mean of the minutes with a value', () => {
    expect(zoneDayMetrics(series(1440, () => ({ outside: 5 }))).hdd).toBe(10.5);
    expect(zoneDayMetrics(series(1440, () => ({ outside: 20 }))).hdd).toBe(0);
    // half the day unknown: the mean of the rest
    const half = zoneDayMetrics(series(1440, (i) => ({ outside: i < 720 ? 3 : null })));
    expect(half.outsideMeanC).toBe(3);
    expect(half.hdd).toBe(12.5);
    const none = zoneDayMetrics(series(1440, () => ({ outside: null })));
    expect([none.outsideMeanC, none.hdd]).toEqual([null, null]);
  });

  it('takes the median rate of the day’s heat-up episodes', () => {
    // 06:00-08:00 from 17 to 19 at setpoint 20 (1 °C/h); 17:00-17:40 from 18 to 19.3 (2 °C/h ×
    // 39/40 … written as a rise of 2/60 °C per minute: 2 °C/h); 21:00-21:15 too short (< 20 min)
    const s = series(1440, (i) => {
      if (i >= 360 && i < 481) return { demand: 3, setpoint: 20, inside: 17 + (i - 360) / 60 };
      if (i >= 1020 && i < 1061) return { demand: 3, setpoint: 21, inside: 18 + (2 * (i - 1020)) / 60 };
      if (i >= 1260 && i < 1275) return { demand: 3, setpoint: 21, inside: 18 + (i - 1260) / 30 };
      return { demand: 0, inside: 16 };
    });
    const episodes = heatUpEpisodes(s);
    expect(episodes.map((e) => [e.firstMinute, e.lastMinute, e.setpointC])).toEqual([
      [360, 480, 20],
      [1020, 1060, 21],
    ]);
    expect(episodes[0]?.rateCPerH).toBeCloseTo(1, 12);
    expect(episodes[1]?.rateCPerH).toBeCloseTo(2, 12);
    expect(zoneDayMetrics(s).heatUpRateCPerH).toBeCloseTo(1.5, 12);
  });

  it('ends an episode at the setpoint, at a setpoint change, and ignores frost setpoints', () => {
    const s = series(1440, (i) => {
      // rising 1 °C/h from 18 at 06:00 with setpoint 19 (reached at 07:00), then on to 19.5
      if (i >= 360 && i < 480)
        return { demand: 3, setpoint: i < 400 ? 19.5 : 20, inside: 18 + (i - 360) / 60 };
      if (i >= 600 && i < 700) return { demand: 3, setpoint: 10, inside: 5 + (i - 600) / 60 };
      return { demand: 0 };
    });
    // 360-399 at 19.5 (40 min), 400-479 at 20 (80 min); the frost-setpoint run does not count
    expect(heatUpEpisodes(s).map((e) => [e.firstMinute, e.lastMinute])).toEqual([
      [360, 399],
      [400, 479],
    ]);
    const reached = series(1440, (i) =>
      i >= 360 && i < 600
        ? { demand: 3, setpoint: 19, inside: Math.min(19.5, 18 + (i - 360) / 60) }
        : { demand: 0 },
    );
    // inside reaches 19 at minute 420: the episode is 360-419
    expect(heatUpEpisodes(reached).map((e) => [e.firstMinute, e.lastMinute])).toEqual([[360, 419]]);
  });
});

/** The definition of max-drop.ts, by brute force. */
function bruteForceDrop(s: ZoneMinuteSeries): { drop: number; from: number | null } {
  let best = 0;
  let from: number | null = null;
  for (let j = 0; j < s.minutes; j++) {
    for (let i = j - 1; i >= Math.max(0, j - 60); i--) {
      const window = Array.from({ length: j - i + 1 }, (_, k) => i + k);
      if (window.some((k) => s.insideC[k] === null)) break;
      const setpoints = new Set(window.map((k) => s.setpointC[k]).filter((v) => v !== null));
      if (setpoints.size > 1) break;
      const d = (s.insideC[i] as number) - (s.insideC[j] as number);
      if (d > best) {
        best = d;
        from = i;
      }
    }
  }
  return { drop: best, from };
}

describe('maxDrop (largest fall within 60 min at a constant setpoint)', () => {
  it('finds an open window’s fall and when it began', () => {
    // 20 °C until 10:00, then −0.1 °C/min for 35 min (3.5 °C), then back up slowly
    const s = series(1440, (i) => ({
      inside: i <= 600 ? 20 : i <= 635 ? 20 - (i - 600) / 10 : 16.5 + (i - 635) / 200,
    }));
    const d = maxDrop(s);
    expect(d.dropC).toBeCloseTo(3.5, 12);
    expect(d.fromMinute).toBe(600);
    expect(d.toMinute).toBe(635);
    const m = zoneDayMetrics(s);
    expect(m.maxDrop1hC).toBeCloseTo(3.5, 12);
    expect(m.maxDrop1hAtMs).toBe(START + 600 * 60_000);
  });

  it('does not read a fall across a setpoint change, but across heating switched off', () => {
    const fall = (i: number) => (i <= 600 ? 20 : i <= 640 ? 20 - (i - 600) / 10 : 16);
    const changed = series(1440, (i) => ({ inside: fall(i), setpoint: i < 620 ? 21 : 16 }));
    // only the part after 620 is at one setpoint: 2 °C
    expect(maxDrop(changed).dropC).toBeCloseTo(2, 12);
    // 21 → off (tado's open-window mode) → 21: one setpoint, the whole 4 °C
    const off = series(1440, (i) => ({ inside: fall(i), setpoint: i >= 605 && i < 660 ? null : 21 }));
    expect(maxDrop(off).dropC).toBeCloseTo(4, 12);
    // a gap in the indoor values breaks it too: 600→619 and 621→640 fall 1.9 °C each
    const gap = series(1440, (i) => ({ inside: i === 620 ? null : fall(i) }));
    expect(maxDrop(gap).dropC).toBeCloseTo(1.9, 12);
  });

  it('agrees with the brute-force definition on random days', () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let day = 0; day < 20; day++) {
      let t = 20;
      let sp: number | null = 20;
      const s = series(600, () => {
        t += (rand() - 0.55) * 0.4;
        if (rand() < 0.02) sp = rand() < 0.3 ? null : ([16, 18, 20, 21][Math.floor(rand() * 4)] ?? 20);
        return { inside: rand() < 0.01 ? null : Math.round(t * 100) / 100, setpoint: sp };
      });
      const expected = bruteForceDrop(s);
      const got = maxDrop(s);
      expect(got.dropC).toBeCloseTo(expected.drop, 12);
      expect(got.fromMinute).toBe(expected.from);
    }
  });

  it('is 0 with no start when the room never cools', () => {
    expect(maxDrop(series(1440, (i) => ({ inside: 15 + i / 100 })))).toEqual({
      dropC: 0,
      fromMinute: null,
      toMinute: null,
    });
  });
});

const zoneDay = (over: Partial<ZoneDayMetrics>): ZoneDayMetrics => ({
  ...zoneDayMetrics(series(1440, () => ({}))),
  ...over,
});

describe('homeDayMetrics', () => {
  it('sums minutes, weights indoor means by their minutes and averages outdoor and coverage', () => {
    const a = zoneDay({
      zoneId: 1,
      heatingMinutes: 100,
      demandWeightedMinutes: 50,
      insideMeanC: 20,
      coverageFraction: 1,
      insideMeanHeatingC: 19,
      heatingMinutesWithInside: 100,
      comfortDeficitDegreeMinutes: 30,
      outsideMeanC: 4,
    });
    const b = zoneDay({
      zoneId: 2,
      heatingMinutes: 300,
      demandWeightedMinutes: 100,
      insideMeanC: 16,
      coverageFraction: 0.5,
      insideMeanHeatingC: 17,
      heatingMinutesWithInside: 100,
      comfortDeficitDegreeMinutes: 10,
      outsideMeanC: 6,
    });
    const h = homeDayMetrics([a, b]);
    expect(h).toEqual({
      homeId: 7,
      date: '2022-01-12',
      zones: 2,
      heatingMinutes: 400,
      demandWeightedMinutes: 150,
      // 1,440 minutes at 20 and 720 at 16
      insideMeanC: (1440 * 20 + 720 * 16) / 2160,
      insideMeanHeatingC: 18,
      heatingMinutesWithInside: 200,
      comfortDeficitDegreeMinutes: 40,
      outsideMeanC: 5,
      hdd: 10.5,
      coverageFraction: 0.75,
    });
  });

  it('rejects mixed dates, a zone twice, and nothing', () => {
    expect(() => homeDayMetrics([])).toThrow(/at least one zone-day/);
    expect(() => homeDayMetrics([zoneDay({}), zoneDay({ date: '2022-01-13', zoneId: 2 })])).toThrow(
      /2022-01-13/,
    );
    expect(() => homeDayMetrics([zoneDay({}), zoneDay({})])).toThrow(/zone 1 given twice/);
  });
});

describe('periodMetrics', () => {
  it('aggregates months and the year per scope', () => {
    const days = [
      zoneDay({
        date: '2022-01-30',
        heatingMinutes: 120,
        hdd: 10,
        insideMeanHeatingC: 20,
        heatingMinutesWithInside: 120,
      }),
      zoneDay({
        date: '2022-01-31',
        heatingMinutes: 60,
        hdd: 5,
        insideMeanHeatingC: 17,
        heatingMinutesWithInside: 60,
      }),
      zoneDay({
        date: '2022-02-01',
        heatingMinutes: 30,
        hdd: null,
        insideMeanHeatingC: null,
        heatingMinutesWithInside: 0,
      }),
      zoneDay({
        date: '2022-07-01',
        heatingMinutes: 0,
        hdd: 0,
        insideMeanHeatingC: null,
        heatingMinutesWithInside: 0,
      }),
      zoneDay({ date: '2022-01-30', zoneId: 2, heatingMinutes: 90, hdd: 10 }),
    ];
    const rows = periodMetrics(days);
    const pick = (zoneId: number, month: number | null) =>
      rows.find((r) => r.zoneId === zoneId && r.month === month);
    expect(pick(1, 1)).toEqual({
      homeId: 7,
      zoneId: 1,
      year: 2022,
      month: 1,
      days: 2,
      heatingHours: 3,
      hdd: 15,
      heatingHoursPerHdd: 3 / 15,
      insideMeanHeatingC: 19,
    });
    // no HDD that month: none, and no ratio
    expect(pick(1, 2)).toMatchObject({
      days: 1,
      heatingHours: 0.5,
      hdd: null,
      heatingHoursPerHdd: null,
      insideMeanHeatingC: null,
    });
    // HDD 0: no ratio
    expect(pick(1, 7)).toMatchObject({ hdd: 0, heatingHoursPerHdd: null });
    // the year: the ratio over the days with an HDD (3.5 h … 2022-02-01 has none)
    expect(pick(1, null)).toMatchObject({
      days: 4,
      heatingHours: 3.5,
      hdd: 15,
      heatingHoursPerHdd: 3 / 15,
      insideMeanHeatingC: 19,
    });
    expect(pick(2, null)).toMatchObject({ days: 1, heatingHours: 1.5 });
    expect(rows.map((r) => [r.zoneId, r.month])).toEqual([
      [1, 1],
      [1, 2],
      [1, 7],
      [1, null],
      [2, 1],
      [2, null],
    ]);
  });

  it('puts the home scope first and rejects a date twice', () => {
    const home = homeDayMetrics([zoneDay({ date: '2022-03-01' })]);
    const rows = periodMetrics([zoneDay({ date: '2022-03-01' }), home]);
    expect(rows.map((r) => r.zoneId)).toEqual([null, null, 1, 1]);
    expect(() => periodMetrics([zoneDay({}), zoneDay({})])).toThrow(/given twice/);
  });
});
