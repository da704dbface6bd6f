/**
 * The order of the candidate zones a time-zone mismatch names (src/etl/time-zone-ranking.ts):
 * the configured zone's region first, well-known zones before obscure ones, deterministic.
 */
import { describe, expect, it } from 'vitest';
import { rankTimeZones, timeZoneRegion } from '../../src/etl/time-zone-ranking.js';
import { candidateTimeZones, findWindowMismatch } from '../../src/etl/window-mismatch.js';
import { localDayWindow } from '../../src/etl/local-day-window.js';
import { buildReport } from '../helpers/tado-fixtures.js';

/** zones that are UTC+01:00 at local midnight on a summer day, as Intl lists them (alphabetical) */
const UTC_PLUS_1_SUMMER = [
  'Africa/Algiers',
  'Africa/Bangui',
  'Africa/Lagos',
  'Atlantic/Canary',
  'Europe/Dublin',
  'Europe/Guernsey',
  'Europe/Isle_of_Man',
  'Europe/Lisbon',
  'Europe/London',
];

describe('timeZoneRegion', () => {
  it('is the part before the first slash; UTC and Etc/… name no region', () => {
    expect(timeZoneRegion('Europe/London')).toBe('Europe');
    expect(timeZoneRegion('America/Argentina/Buenos_Aires')).toBe('America');
    expect(timeZoneRegion('UTC')).toBeNull();
    expect(timeZoneRegion('Etc/GMT-1')).toBeNull();
  });
});

describe('rankTimeZones', () => {
  it('puts well-known zones before obscure ones when the configured region has none (a London home configured as New York)', () => {
    expect(rankTimeZones(UTC_PLUS_1_SUMMER, 'America/New_York')).toEqual([
      'Europe/London',
      'Europe/Dublin',
      'Europe/Lisbon',
      'Africa/Lagos',
      'Africa/Algiers',
      'Africa/Bangui',
      'Atlantic/Canary',
      'Europe/Guernsey',
      'Europe/Isle_of_Man',
    ]);
  });

  it("puts the configured zone's region first, its well-known zones leading", () => {
    expect(rankTimeZones(UTC_PLUS_1_SUMMER, 'Africa/Abidjan').slice(0, 4)).toEqual([
      'Africa/Lagos',
      'Africa/Algiers',
      'Africa/Bangui',
      'Europe/London',
    ]);
    expect(
      rankTimeZones(
        ['Asia/Tokyo', 'America/Bogota', 'America/Cancun', 'America/Chicago'],
        'America/New_York',
      ),
    ).toEqual(['America/Chicago', 'America/Bogota', 'America/Cancun', 'Asia/Tokyo']);
  });

  it('is deterministic: the input order and duplicates do not change the result', () => {
    const ranked = rankTimeZones(UTC_PLUS_1_SUMMER, 'UTC');
    expect(rankTimeZones([...UTC_PLUS_1_SUMMER].reverse(), 'UTC')).toEqual(ranked);
    expect(rankTimeZones([...UTC_PLUS_1_SUMMER, 'Europe/London'], 'UTC')).toEqual(ranked);
    expect(ranked[0]).toBe('Europe/London');
  });
});

describe('the candidates a mismatch names (Intl)', () => {
  it('a London summer report read as New York names Europe/London first', () => {
    // 2022-06-15 starts at 23:00Z on the 14th in London (BST, UTC+01:00), 24 hours
    const named = candidateTimeZones(
      '2022-06-15',
      Date.parse('2022-06-14T23:00:00.000Z'),
      24,
      'America/New_York',
    );
    expect(named).toEqual(['Europe/London', 'Europe/Dublin', 'Europe/Lisbon']);
    const report = buildReport('2022-06-15', 'Europe/London');
    const m = findWindowMismatch(report, localDayWindow('2022-06-15', 'America/New_York'));
    expect(m?.message).toContain(
      "the report's window is that of a home on UTC+01:00 (e.g. Europe/London, Europe/Dublin, Europe/Lisbon)",
    );
  });

  it('a Berlin winter report read as London names Europe/Berlin first', () => {
    expect(
      candidateTimeZones('2022-01-10', Date.parse('2022-01-09T23:00:00.000Z'), 24, 'Europe/London'),
    ).toEqual(['Europe/Berlin', 'Europe/Paris', 'Europe/Amsterdam']);
  });
});
