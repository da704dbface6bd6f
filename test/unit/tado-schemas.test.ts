import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TadoSchemaError } from '../../src/tado/errors.js';
import {
  dayReportSchema,
  formatJsonPath,
  parseWithPath,
  zonesSchema,
  type DayReport,
} from '../../src/tado/schemas.js';

const FIXTURES = new URL('../fixtures/tado/', import.meta.url);
const SUMMER = 'dayreport-2022-08-15-summer-no-heating.json';
const WINTER = 'dayreport-2022-12-07-winter-heating-truncated.json';

function load(name: string): unknown {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));
}

describe('dayReportSchema on the real fixtures', () => {
  it('parses the summer report (heating off, temperature null)', () => {
    const r: DayReport = parseWithPath(dayReportSchema, load(SUMMER), SUMMER);
    expect(r.hoursInDay).toBe(24);
    expect(r.measuredData.insideTemperature.dataPoints).toHaveLength(99);
    expect(r.measuredData.humidity.dataPoints).toHaveLength(99);
    expect(r.settings?.dataIntervals[0]?.value.temperature).toBeNull();
    expect(r.callForHeat?.dataIntervals.map((i) => i.value)).toEqual(['NONE']);
    expect(r.interval.from).toBe('2022-08-14T22:45:00.000Z');
  });

  it('parses the truncated winter report (heating on, off-grid last point)', () => {
    const r = parseWithPath(dayReportSchema, load(WINTER), WINTER);
    expect(r.callForHeat?.dataIntervals).toHaveLength(17);
    expect(r.measuredData.insideTemperature.dataPoints.at(-1)?.timestamp).toBe('2022-12-08T00:02:56.035Z');
    expect(new Set(r.stripes.dataIntervals.map((i) => i.value.stripeType))).toEqual(
      new Set(['HOME', 'OVERLAY_ACTIVE']),
    );
  });

  it('keeps unknown keys and accepts unknown enum values and second-precision timestamps', () => {
    const raw = load(SUMMER) as Record<string, unknown> & {
      callForHeat: { dataIntervals: { value: string; to: string }[] };
    };
    raw.callForHeat.dataIntervals[0]!.value = 'ULTRA';
    raw.callForHeat.dataIntervals[0]!.to = '2022-08-15T23:15:00Z';
    raw.somethingNew = { a: 1 };
    const r = parseWithPath(dayReportSchema, raw, 'edited');
    expect(r.callForHeat?.dataIntervals[0]?.value).toBe('ULTRA');
    expect((r as Record<string, unknown>).somethingNew).toEqual({ a: 1 });
  });
});

describe('parseWithPath errors', () => {
  it('names the endpoint, the JSON path and what was expected', () => {
    const raw = load(WINTER) as {
      measuredData: { insideTemperature: { dataPoints: { value: { celsius: unknown } }[] } };
    };
    raw.measuredData.insideTemperature.dataPoints[98]!.value.celsius = '19.5';
    let err: unknown;
    try {
      parseWithPath(dayReportSchema, raw, 'GET /homes/1/zones/1/dayReport?date=2022-12-07');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TadoSchemaError);
    const e = err as TadoSchemaError;
    expect(e.path).toBe('measuredData.insideTemperature.dataPoints[98].value.celsius');
    expect(e.message).toContain('GET /homes/1/zones/1/dayReport?date=2022-12-07');
    expect(e.message).toContain('measuredData.insideTemperature.dataPoints[98].value.celsius');
    expect(e.message).toMatch(/expected number/);
    expect(e.code).toBe('TADO_SCHEMA');
  });

  it('rejects a timestamp without a zone', () => {
    const raw = load(SUMMER) as { interval: { from: string } };
    raw.interval.from = '2022-08-14 22:45';
    expect(() => parseWithPath(dayReportSchema, raw, 'f')).toThrow(/interval\.from/);
  });

  it('formats odd keys and the root', () => {
    expect(formatJsonPath([])).toBe('(root)');
    expect(formatJsonPath(['weather', 'slots', 'slots', '04:00', 'state'])).toBe(
      'weather.slots.slots["04:00"].state',
    );
    expect(() => parseWithPath(zonesSchema, { not: 'an array' }, 'GET /homes/1/zones')).toThrow(/\(root\)/);
  });
});
