import { describe, expect, it } from 'vitest';
import { cleanZoneDay } from '../../src/analytics/clean-zone-day.js';
import { ZoneDayError } from '../../src/analytics/errors.js';
import { hampelOutliers } from '../../src/analytics/hampel-filter.js';
import type { CleanedZoneDay, ZoneDayInput } from '../../src/analytics/types.js';
import { MIN, syntheticDay } from '../helpers/analytics-inputs.js';

/** The minute (from the day's start) of each reading set aside for temperature, with its rule. */
const removedTemperature = (input: ZoneDayInput, c: CleanedZoneDay): [number, string][] =>
  c.readings.flatMap((r) =>
    r.temperatureRemovedBy === null ? [] : [[(r.tsMs - input.dayStartMs) / MIN, r.temperatureRemovedBy]],
  );
const removedHumidity = (input: ZoneDayInput, c: CleanedZoneDay): [number, string][] =>
  c.readings.flatMap((r) =>
    r.humidityRemovedBy === null ? [] : [[(r.tsMs - input.dayStartMs) / MIN, r.humidityRemovedBy]],
  );
const zero = { placeholder: 0, disconnected: 0, out_of_range: 0, spike: 0 };

describe('cleanZoneDay: placeholder', () => {
  it('sets aside every reading of a day flagged placeholder, counting the day’s 96, not the margins', () => {
    const input = syntheticDay({ placeholder: true, temperature: () => 19 });
    const c = cleanZoneDay(input);
    expect(c.counts).toEqual({
      readings: 96,
      temperature: { ...zero, placeholder: 96 },
      humidity: { ...zero, placeholder: 96 },
    });
    // the 4 + 5 margin readings (−60…−15 and 1440…1500) are kept
    expect(c.readings.filter((r) => r.temperatureRemovedBy === null)).toHaveLength(9);
    expect(c.readings.every((r) => (r.temperatureRemovedBy === null) === (r.temperatureC !== null))).toBe(
      true,
    );
  });

  it('recognises the placeholder by its values when the flag is missing: every reading 20 °C and 0.5', () => {
    const c = cleanZoneDay(syntheticDay({ temperature: () => 20, humidity: () => 0.5 }));
    expect(c.counts.temperature.placeholder).toBe(96);
    expect(c.counts.humidity.placeholder).toBe(96);
  });

  it('is not fooled by a room that sits at 20 °C with real humidity', () => {
    const c = cleanZoneDay(syntheticDay({ temperature: () => 20 }));
    expect(c.counts.temperature).toEqual(zero);
  });
});

describe('cleanZoneDay: disconnected and out of range', () => {
  it('sets aside readings in [start, end) of a disconnected span, in both series', () => {
    const input = syntheticDay({ offline: [[600, 840]] });
    const c = cleanZoneDay(input);
    const expected = Array.from({ length: 16 }, (_, k) => [600 + 15 * k, 'disconnected']);
    expect(removedTemperature(input, c)).toEqual(expected);
    expect(removedHumidity(input, c)).toEqual(expected);
    expect(c.counts.temperature.disconnected).toBe(16);
  });

  it('checks −10..45 °C and 0..1 with the bounds valid, and the rules in order', () => {
    const temps: Record<number, number> = { 120: 45, 240: 45.01, 360: -10, 480: -10.5, 600: 99 };
    const hums: Record<number, number> = { 120: 1, 240: 1.2, 360: 0, 480: -0.1 };
    const input = syntheticDay({
      temperature: (m) => temps[m] ?? 20,
      humidity: (m) => hums[m] ?? 0.5 + m / 100_000,
      offline: [[600, 615]],
    });
    const c = cleanZoneDay(input);
    // 45 and −10 are kept as values (the neighbours at 20 make them spikes, the next rule)
    expect(removedTemperature(input, c)).toEqual([
      [120, 'spike'],
      [240, 'out_of_range'],
      [360, 'spike'],
      [480, 'out_of_range'],
      [600, 'disconnected'],
    ]);
    expect(removedHumidity(input, c)).toEqual([
      [120, 'spike'],
      [240, 'out_of_range'],
      [360, 'spike'],
      [480, 'out_of_range'],
      [600, 'disconnected'],
    ]);
  });
});

describe('cleanZoneDay: spikes (Hampel, ±3 readings, 3 × 1.4826 × MAD, floor 0.1 °C / 0.01)', () => {
  it('removes an isolated spike and nothing around it', () => {
    const input = syntheticDay({ temperature: (m) => (m === 600 ? 23 : 20.5) });
    const c = cleanZoneDay(input);
    expect(removedTemperature(input, c)).toEqual([[600, 'spike']]);
    // humidity is judged on its own
    expect(removedHumidity(input, c)).toEqual([]);
    expect(c.readings.find((r) => r.tsMs === input.dayStartMs + 600 * MIN)?.temperatureC).toBeNull();
  });

  it('uses the floor: on a flat series a 0.4 °C step away is a spike, a 0.25 °C one is not', () => {
    // window median 20.5, MAD 0, scale max(0, 0.1) = 0.1, threshold 0.3 °C
    const input = syntheticDay({ temperature: (m) => (m === 300 ? 20.9 : m === 900 ? 20.75 : 20.5) });
    expect(removedTemperature(input, cleanZoneDay(input))).toEqual([[300, 'spike']]);
  });

  it('leaves sensor noise on a flat series alone', () => {
    // ±0.05 °C alternating: deviations from the median stay under 3 × 0.1
    const input = syntheticDay({ temperature: (m) => 20.5 + ((m / 15) % 2 === 0 ? 0.05 : -0.05) });
    expect(cleanZoneDay(input).counts.temperature.spike).toBe(0);
  });

  it('keeps a genuine open-window fall: 3.2 °C within 30 min, then a slow recovery', () => {
    // 20.0 until 10:00, window open 10:00-10:30 (17.5 at 10:15, 16.8 at 10:30), then +0.3 °C per 15 min
    const temperature = (m: number): number =>
      m <= 600 ? 20 : m === 615 ? 17.5 : Math.min(20, 16.8 + ((m - 630) / 15) * 0.3);
    const input = syntheticDay({ temperature });
    const c = cleanZoneDay(input);
    expect(c.counts.temperature).toEqual(zero);
    expect(temperature(630) - temperature(600)).toBeCloseTo(-3.2, 10);
  });

  it('counts only the day’s readings: a spike in the margin is removed but not counted', () => {
    const input = syntheticDay({ temperature: (m) => (m === -30 ? 25 : 20.5) });
    const c = cleanZoneDay(input);
    expect(removedTemperature(input, c)).toEqual([[-30, 'spike']]);
    expect(c.counts.temperature.spike).toBe(0);
    expect(c.counts.readings).toBe(96);
  });

  it('does not judge across a gap: readings more than 45 min away are not in the window', () => {
    // 18 °C, a 4-hour gap, two readings at 21 °C (14:00, 14:15), another gap, 18 °C again. By
    // index alone the two would sit among five 18s (a spike); within ±45 min they have only each
    // other, a window too small to judge.
    const input = syntheticDay({
      temperature: (m) => (m === 840 || m === 855 ? 21 : 18),
      omit: (m) => (m > 600 && m < 840) || (m > 855 && m < 1005),
    });
    expect(cleanZoneDay(input).counts.temperature.spike).toBe(0);
    // the same two readings without the gaps around them are a spike (two of seven)
    const dense = syntheticDay({ temperature: (m) => (m === 840 || m === 855 ? 21 : 18) });
    expect(cleanZoneDay(dense).counts.temperature.spike).toBe(2);
  });

  it('hampelOutliers on its own: the textbook case, and a window too small to judge', () => {
    const t = [0, 1, 2, 3, 4, 5, 6].map((k) => k * 15 * MIN);
    expect(hampelOutliers(t, [10, 10.2, 9.9, 30, 10.1, 9.8, 10], { scaleFloor: 0.1 })).toEqual([
      false,
      false,
      false,
      true,
      false,
      false,
      false,
    ]);
    // two values: the window (< 3) is not judged
    expect(hampelOutliers([0, 15 * MIN], [10, 30], { scaleFloor: 0.1 })).toEqual([false, false]);
  });
});

describe('cleanZoneDay: input shape', () => {
  it('throws ZoneDayError naming the zone-day when readings are out of order', () => {
    const day = syntheticDay({ date: '2022-03-04', zoneId: 3, zoneName: 'Kitchen' });
    const readings = [...day.readings];
    [readings[5], readings[6]] = [readings[6]!, readings[5]!];
    expect(() => cleanZoneDay({ ...day, readings })).toThrow(ZoneDayError);
    expect(() => cleanZoneDay({ ...day, readings })).toThrow(
      /^zone 3 \(Kitchen\) 2022-03-04: readings are not in ascending time order at index 6/,
    );
  });
});
