/** CalTRACK §2.2.1 data sufficiency of a year's fit (src/analytics/data-sufficiency.ts). */
import { describe, expect, it } from 'vitest';
import { daysInYear, yearDataSufficiency } from '../../src/analytics/data-sufficiency.js';

describe('yearDataSufficiency', () => {
  it('counts leap years', () => {
    expect([2022, 2024, 1900, 2000].map(daysInYear)).toEqual([365, 366, 365, 366]);
  });

  it('is sufficient from 90 % of the year on, insufficient below', () => {
    // 0.9 × 365 = 328.5: 329 days is the least that is sufficient
    expect(yearDataSufficiency(2022, 329).sufficient).toBe(true);
    expect(yearDataSufficiency(2022, 328).sufficient).toBe(false);
    expect(yearDataSufficiency(2024, 330).sufficient).toBe(true); // 0.9 × 366 = 329.4
    expect(yearDataSufficiency(2024, 329).sufficient).toBe(false);
    expect(yearDataSufficiency(2022, 365)).toMatchObject({ daysInPeriod: 365, coverageFraction: 1 });
  });

  it('says why with the figures (a January-only fit)', () => {
    const s = yearDataSufficiency(2022, 31);
    expect(s.sufficient).toBe(false);
    expect(s.reason).toBe(
      '31 of the 365 days of 2022 have data (8.4 %): insufficient, under the 90 % CalTRACK §2.2.1 needs; the fit describes part of the year only',
    );
  });

  it('refuses impossible day counts', () => {
    expect(() => yearDataSufficiency(2022, 366)).toThrow(/0\.\.365, got 366/);
    expect(() => yearDataSufficiency(2022, -1)).toThrow(RangeError);
    expect(() => yearDataSufficiency(2022, 1.5)).toThrow(RangeError);
  });
});
