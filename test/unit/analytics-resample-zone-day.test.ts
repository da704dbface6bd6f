import { describe, expect, it } from 'vitest';
import { cleanZoneDay } from '../../src/analytics/clean-zone-day.js';
import { ZoneDayError } from '../../src/analytics/errors.js';
import { resampleZoneDay } from '../../src/analytics/resample-zone-day.js';
import type { ZoneDayInput } from '../../src/analytics/types.js';
import { LONDON, MIN, syntheticDay } from '../helpers/analytics-inputs.js';

const resample = (input: ZoneDayInput) => resampleZoneDay(input, cleanZoneDay(input));
/** a temperature rising 0.1 °C per grid step: easy to interpolate by hand */
const ramp = (m: number): number => 18 + Math.round(m / 15) / 10;

describe('resampleZoneDay: the minutes of the local day', () => {
  it.each([
    ['2022-01-12', '2022-01-12T00:00:00.000Z', 1440],
    ['2022-03-27', '2022-03-27T00:00:00.000Z', 1380], // GMT → BST at 01:00
    ['2022-10-30', '2022-10-29T23:00:00.000Z', 1500], // BST → GMT at 02:00
    ['2022-08-15', '2022-08-14T23:00:00.000Z', 1440],
  ])('%s (Europe/London) starts at %s and has %i minutes', (date, startIso, minutes) => {
    const s = resample(syntheticDay({ date, timeZone: LONDON }));
    expect(s.dayStartMs).toBe(Date.parse(startIso));
    expect(s.minutes).toBe(minutes);
    for (const column of [
      s.insideC,
      s.humidityFraction,
      s.setpointC,
      s.demandLevel,
      s.powerOn,
      s.outsideC,
      s.weatherState,
      s.connected,
      s.cleaned,
    ]) {
      expect(column).toHaveLength(minutes);
    }
  });
});

describe('resampleZoneDay: indoor values', () => {
  it('takes a reading at its minute and interpolates linearly between readings', () => {
    const s = resample(syntheticDay({ temperature: ramp }));
    expect(s.insideC[600]).toBe(ramp(600));
    // 600 → 615: from 22.0 to 22.1; minute 605 is a third of the way
    expect(s.insideC[605]).toBe(ramp(600) + ((ramp(615) - ramp(600)) * 5) / 15);
    expect(s.insideC[614]).toBeCloseTo(22.0 + 0.1 * (14 / 15), 12);
  });

  it('interpolates across one missing reading (30 min) but not two (45 min)', () => {
    const s = resample(syntheticDay({ temperature: ramp, omit: (m) => m === 300 || m === 600 || m === 615 }));
    // 285 → 315 (30 min): interpolated
    expect(s.insideC[300]).toBeCloseTo((ramp(285) + ramp(315)) / 2, 12);
    // 585 → 630 (45 min): null strictly between, values at both ends
    expect(s.insideC[585]).toBe(ramp(585));
    expect(s.insideC.slice(586, 630).every((v) => v === null)).toBe(true);
    expect(s.insideC[630]).toBe(ramp(630));
    expect(s.insideC.filter((v) => v === null)).toHaveLength(44);
  });

  it('gives the first minutes their neighbour from the margin', () => {
    const s = resample(syntheticDay({ temperature: ramp, omit: (m) => m === 0 }));
    // 00:00 lies between the margin reading at −15 and the one at 15
    expect(s.insideC[0]).toBeCloseTo((ramp(-15) + ramp(15)) / 2, 12);
  });

  it('interpolates across a reading set aside and flags the minutes it bracketed', () => {
    const input = syntheticDay({ temperature: (m) => (m === 600 ? 30 : ramp(m)) });
    const s = resample(input);
    expect(s.insideC[600]).toBeCloseTo((ramp(585) + ramp(615)) / 2, 12);
    expect(s.cleaned[585]).toBe(false);
    expect(s.cleaned.slice(586, 615).every(Boolean)).toBe(true);
    expect(s.cleaned[615]).toBe(false);
    expect(s.cleaned.filter(Boolean)).toHaveLength(29);
  });

  it('leaves a disconnected span unknown and says the device was disconnected', () => {
    const s = resample(syntheticDay({ offline: [[600, 840]] }));
    // readings 600…825 set aside: valid readings at 585 and 840, 255 min apart
    expect(s.insideC.slice(586, 840).every((v) => v === null)).toBe(true);
    expect(s.insideC[585]).not.toBeNull();
    expect(s.insideC[840]).not.toBeNull();
    expect(s.connected[599]).toBe(true);
    expect(s.connected.slice(600, 840).every((v) => v === false)).toBe(true);
    expect(s.connected[840]).toBe(true);
    expect(s.humidityFraction[700]).toBeNull();
  });

  it('resamples temperature and humidity each on its own', () => {
    const s = resample(syntheticDay({ temperature: (m) => (m === 600 ? null : 20.5) }));
    // no temperature at 600, but humidity there: humidity exact, temperature interpolated
    expect(s.insideC[600]).toBe(20.5);
    expect(s.humidityFraction[600]).toBe(Math.round((0.5 + 0.01 * Math.sin(6)) * 1000) / 1000);
    expect(s.cleaned[600]).toBe(false); // absent is not set aside
  });
});

describe('resampleZoneDay: step series', () => {
  it('carries the value of the interval containing each minute start (odd-second boundaries)', () => {
    const day = syntheticDay();
    const t = (hhmm: string, extraMs = 0) => Date.parse(`2022-01-12T${hhmm}:00Z`) + extraMs;
    const callForHeat = [
      { startMs: day.dayStartMs, endMs: t('08:49', 14_767), value: 0 as const },
      { startMs: t('08:49', 14_767), endMs: t('08:50', 57_514), value: 3 as const },
      { startMs: t('08:50', 57_514), endMs: t('09:00'), value: 0 as const },
      { startMs: t('09:00'), endMs: t('09:30'), value: 2 as const },
      { startMs: t('09:30'), endMs: day.dayEndMs, value: 1 as const },
    ];
    const s = resample({ ...day, callForHeat });
    // 08:49:00 is before the HIGH interval, 08:50:00 inside it, 08:51:00 after
    expect(s.demandLevel.slice(529, 532)).toEqual([0, 3, 0]);
    expect(s.demandLevel.filter((v) => v === 3)).toHaveLength(1);
    expect(s.demandLevel.filter((v) => v === 2)).toHaveLength(30);
    expect(s.demandLevel.filter((v) => v === 1)).toHaveLength(1440 - 570);
  });

  it('gives no setpoint when the power is off, and null where no interval says anything', () => {
    const day = syntheticDay();
    const at = (m: number) => day.dayStartMs + m * MIN;
    const s = resample({
      ...day,
      settings: [
        { startMs: at(0), endMs: at(600), value: { powerOn: false, setpointC: null } },
        { startMs: at(600), endMs: at(1440), value: { powerOn: true, setpointC: 21 } },
      ],
      weather: [{ startMs: at(0), endMs: at(720), value: { state: 'SUN', temperatureC: 3.5 } }],
    });
    expect(s.setpointC[599]).toBeNull();
    expect(s.powerOn[599]).toBe(false);
    expect(s.setpointC[600]).toBe(21);
    expect(s.powerOn[600]).toBe(true);
    expect(s.outsideC[719]).toBe(3.5);
    expect(s.weatherState[719]).toBe('SUN');
    expect(s.outsideC[720]).toBeNull();
    expect(s.weatherState[1439]).toBeNull();
  });

  it('rejects a cleaned result that is not of the input', () => {
    const a = syntheticDay();
    const b = syntheticDay({ omit: (m) => m === 300 });
    expect(() => resampleZoneDay(a, cleanZoneDay(b))).toThrow(ZoneDayError);
  });
});
