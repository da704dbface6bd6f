import { describe, expect, it } from 'vitest';
import {
  compressDateSet,
  datesOfInterval,
  DateSetError,
  expandDateSet,
} from '../../src/analytics/date-set.js';

describe('date sets', () => {
  it('expands dates and inclusive ranges, sorted and de-duplicated', () => {
    expect(expandDateSet('2022-03-02, 2022-02-27..2022-03-01,2022-03-01')).toEqual([
      '2022-02-27',
      '2022-02-28',
      '2022-03-01',
      '2022-03-02',
    ]);
    expect(expandDateSet('')).toEqual([]);
    expect(expandDateSet('2022-01-01..2022-12-31')).toHaveLength(365);
    expect(expandDateSet('2024-02-28..2024-03-01')).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
  });

  it('names the item at fault', () => {
    expect(() => expandDateSet('2022-01-01,2022-02-30')).toThrow(/"2022-02-30" is not a calendar date/);
    expect(() => expandDateSet('2022-03-01..2022-02-01')).toThrow(/ends before it starts/);
    expect(() => expandDateSet('2022-01-01..2022-01-02..2022-01-03')).toThrow(DateSetError);
    expect(() => expandDateSet('yesterday')).toThrow(/"yesterday"/);
    expect(() => expandDateSet('2000-01-01..2200-01-01')).toThrow(/more than 36600 dates/);
  });

  it('compresses consecutive dates into ranges, and round-trips', () => {
    const dates = ['2022-01-03', '2022-01-01', '2022-01-02', '2022-01-05', '2022-02-28', '2022-03-01'];
    const text = compressDateSet(dates);
    expect(text).toBe('2022-01-01..2022-01-03,2022-01-05,2022-02-28..2022-03-01');
    expect(expandDateSet(text)).toEqual([...dates].sort());
    expect(compressDateSet([])).toBe('');
  });

  it("names a daily run's ds from its data interval, across the clock changes", () => {
    // tado_etl: ds 01:00 local → next day 01:00 local
    const day = (ds: string, next: string, offStart: string, offNext: string) =>
      datesOfInterval(
        new Date(`${ds}T01:00:00${offStart}`),
        new Date(`${next}T01:00:00${offNext}`),
        'Europe/London',
      );
    expect(day('2022-01-15', '2022-01-16', 'Z', 'Z')).toEqual(['2022-01-15']);
    expect(day('2022-03-27', '2022-03-28', 'Z', '+01:00')).toEqual(['2022-03-27']);
    expect(day('2022-10-30', '2022-10-31', '+01:00', 'Z')).toEqual(['2022-10-30']);
    // a weekly interval stands for its seven dates; a midnight-to-midnight day for one
    expect(
      datesOfInterval(new Date('2022-01-03T00:00:00Z'), new Date('2022-01-10T00:00:00Z'), 'Europe/London'),
    ).toHaveLength(7);
    expect(
      datesOfInterval(new Date('2022-06-01T23:00:00Z'), new Date('2022-06-02T23:00:00Z'), 'Europe/London'),
    ).toEqual(['2022-06-02']);
  });
});
