/**
 * The simulator's AIR_CONDITIONING zone (5, Loft office; src/tado/simulator/ac-day-report.ts)
 * over a whole simulated 2022: the shape tado documents for AC day reports, what validate
 * checks, and a unit that does what its mode says.
 */
import { describe, expect, it } from 'vitest';
import { checkDayReport } from '../../src/etl/check-day-report.js';
import { dayReportSchema, parseWithPath, type DayReport } from '../../src/tado/schemas.js';
import { generateDayReport } from '../../src/tado/simulator/day-report-generator.js';
import { datesOfYear } from '../../src/tado/simulator/sim-calendar.js';
import { DEFAULT_SIM_HOME } from '../../src/tado/simulator/sim-home.js';

const home = DEFAULT_SIM_HOME;
const NOW = Date.parse('2026-11-29T12:00:00Z');
const acZone = home.zones.find((z) => z.type === 'AIR_CONDITIONING');
if (acZone === undefined) throw new Error('the default simulated home has no AIR_CONDITIONING zone');
const ac = acZone;

function generate(date: string, nowMs = NOW): Record<string, unknown> {
  const out = generateDayReport({ seed: 1, home, zone: ac, date, nowMs });
  if (!out.ok) throw new Error(`${date}: ${JSON.stringify(out.body)}`);
  return out.report;
}

const ms = (s: string): number => Date.parse(s);

describe('the simulated AIR_CONDITIONING zone over 2022', () => {
  // one pass over the year, shared by the assertions below
  const days = datesOfYear(2022).map((date) => ({
    date,
    r: parseWithPath(dayReportSchema, generate(date), `zone ${ac.id} ${date}`),
  }));

  it('has the AC shape: acActivity, airConditioningSetting settings, no callForHeat; validate passes every day', () => {
    expect(days).toHaveLength(365);
    for (const { date, r } of days) {
      expect(r.zoneType).toBe('AIR_CONDITIONING');
      expect(r.callForHeat).toBeUndefined();
      expect(r.acActivity?.valueType).toBe('power');
      expect(r.settings?.valueType).toBe('airConditioningSetting');
      const check = checkDayReport(r, {
        file: `zone-5-${date}`,
        zoneId: ac.id,
        date,
        timeZone: home.timeZone,
      });
      expect(check.issues, date).toEqual([]);
    }
  });

  it('uses every AC mode; FAN and DRY without a setpoint, COOL/HEAT/AUTO with one; fan level and swings when ON', () => {
    const settings = days.flatMap(({ r }) => r.settings?.dataIntervals ?? []).map((i) => i.value);
    const modes = new Set(settings.map((s) => s.mode ?? s.power));
    expect([...modes].sort()).toEqual(['AUTO', 'COOL', 'DRY', 'FAN', 'HEAT', 'OFF']);
    for (const s of settings) {
      expect(s.type).toBe('AIR_CONDITIONING');
      if (s.power === 'OFF') {
        expect(s.mode ?? null).toBeNull();
        continue;
      }
      const hasSetpoint = s.mode === 'COOL' || s.mode === 'HEAT' || s.mode === 'AUTO';
      expect(s.temperature !== undefined, `${s.mode} temperature`).toBe(hasSetpoint);
      expect(s.fanLevel).toMatch(/^(AUTO|LEVEL[1-5]|SILENT)$/);
      expect(s.verticalSwing).toBeTypeOf('string');
      expect(s.horizontalSwing).toBeTypeOf('string');
    }
    // cooling in the warm months, heating in the cold ones
    const monthsOf = (mode: string): Set<number> =>
      new Set(
        days
          .filter(({ r }) => r.settings?.dataIntervals.some((i) => i.value.mode === mode))
          .map(({ date }) => Number(date.slice(5, 7))),
      );
    for (const m of monthsOf('COOL')) expect(m).toBeGreaterThanOrEqual(4);
    for (const m of monthsOf('COOL')) expect(m).toBeLessThanOrEqual(10);
    for (const m of monthsOf('HEAT')) expect([1, 2, 3, 4, 10, 11, 12]).toContain(m);
  });

  it('runs the unit (acActivity ON) only while it is switched on, and cooling cools', () => {
    for (const { date, r } of days) {
      const on = (r.settings?.dataIntervals ?? []).filter((i) => i.value.power === 'ON');
      for (const a of r.acActivity?.dataIntervals ?? []) {
        if (a.value !== 'ON') continue;
        const inside = on.some((s) => ms(s.from) <= ms(a.from) && ms(a.to) <= ms(s.to));
        // an ON run may span two ON settings that follow each other
        const covered = inside || on.filter((s) => ms(s.to) > ms(a.from) && ms(s.from) < ms(a.to)).length > 1;
        expect(covered, `${date} acActivity ${a.from}…${a.to}`).toBe(true);
      }
    }
    // a COOL run an hour in: the room is held near its 24 °C (within 1 K)
    let checked = 0;
    for (const { r } of days) {
      for (const s of r.settings?.dataIntervals ?? []) {
        if (s.value.mode !== 'COOL') continue;
        const sp = s.value.temperature?.celsius ?? NaN;
        for (const p of r.measuredData.insideTemperature.dataPoints) {
          const t = ms(p.timestamp);
          if (t < ms(s.from) + 3_600_000 || t >= ms(s.to)) continue;
          expect(p.value.celsius).toBeLessThanOrEqual(sp + 1);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('agrees with the next day on the 30-minute overlap (within 0.5 K) and is deterministic', () => {
    for (let i = 1; i < days.length; i++) {
      const prev = days[i - 1]?.r as DayReport;
      const cur = days[i]?.r as DayReport;
      const tail = prev.measuredData.insideTemperature.dataPoints.slice(-3);
      const head = cur.measuredData.insideTemperature.dataPoints.slice(0, 3);
      expect(head.map((p) => p.timestamp)).toEqual(tail.map((p) => p.timestamp));
      head.forEach((p, k) =>
        expect(Math.abs(p.value.celsius - (tail[k]?.value.celsius ?? NaN))).toBeLessThan(0.5),
      );
    }
    expect(generate('2022-07-19')).toEqual(generate('2022-07-19'));
  });
});

describe('the simulated AIR_CONDITIONING zone today', () => {
  it("ends today's report at the request time, every AC series included", () => {
    const now = Date.parse('2022-07-19T13:07:42.318Z');
    const r = parseWithPath(dayReportSchema, generate('2022-07-19', now), 'today');
    expect(r.interval.to).toBe('2022-07-19T13:07:42.318Z');
    expect(r.acActivity?.dataIntervals.at(-1)?.to).toBe(r.interval.to);
    expect(r.settings?.dataIntervals.at(-1)?.to).toBe(r.interval.to);
    expect(r.measuredData.insideTemperature.dataPoints.at(-1)?.timestamp).toBe(r.interval.to);
  });

  it('leaves HOT_WATER refused as before', () => {
    const hotWater = home.zones.find((z) => z.type === 'HOT_WATER');
    if (hotWater === undefined) throw new Error('no HOT_WATER zone');
    const out = generateDayReport({ seed: 1, home, zone: hotWater, date: '2022-07-19', nowMs: NOW });
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.body.errors[0]?.code).toBe('unsupportedForZoneType');
  });
});
