/**
 * `heatflow heating report`'s check of --year/--home/--zone against what the analytics tables hold.
 */
import { describe, expect, it } from 'vitest';
import { reportQueryProblem } from '../../src/cli/heating-report-scope.js';
import type { ReportCoverage } from '../../src/db/heating-report-query.js';

const coverage: ReportCoverage = {
  homes: [
    {
      homeId: 1,
      zones: [
        { zoneId: 0, name: 'Hot Water', zoneType: 'HOT_WATER', years: [] },
        { zoneId: 1, name: 'Living room', zoneType: 'HEATING', years: [2022, 2023] },
        { zoneId: 4, name: 'Study', zoneType: 'HEATING', years: [2023] },
      ],
    },
    { homeId: 2, zones: [{ zoneId: 1, name: null, zoneType: null, years: [2021] }] },
  ],
};

describe('reportQueryProblem', () => {
  it('accepts a year, home and zone with data', () => {
    expect(reportQueryProblem({ year: 2022 }, coverage)).toBeUndefined();
    expect(reportQueryProblem({ year: 2021, homeId: 2 }, coverage)).toBeUndefined();
    expect(reportQueryProblem({ year: 2023, zoneId: 4 }, coverage)).toBeUndefined();
  });

  it('a year with no data lists the years that have some (of the home, when given)', () => {
    expect(reportQueryProblem({ year: 2020 }, coverage)).toBe(
      '--year 2020: nothing analysed in 2020; years with data: 2021, 2022, 2023',
    );
    expect(reportQueryProblem({ year: 2021, homeId: 1 }, coverage)).toBe(
      '--year 2021: nothing analysed in 2021 for home 1; years with data: 2022, 2023',
    );
  });

  it('an unknown home lists the homes with their years', () => {
    expect(reportQueryProblem({ year: 2022, homeId: 9 }, coverage)).toBe(
      '--home 9: no analysed data for home 9; homes with data (years): 1 (2022, 2023), 2 (2021)',
    );
  });

  it('an unknown zone, the hot-water zone, and a zone without data that year list the analysed zones', () => {
    expect(reportQueryProblem({ year: 2022, homeId: 1, zoneId: 7 }, coverage)).toBe(
      '--zone 7: no such zone for home 1; heating zones analysed in 2022 for home 1: 1 (Living room)',
    );
    expect(reportQueryProblem({ year: 2022, zoneId: 0 }, coverage)).toBe(
      '--zone 0: zone 0 (Hot Water) is a HOT_WATER zone, not a heating zone (heating_analytics analyses heating zones only); heating zones analysed in 2022: 1 (Living room)',
    );
    expect(reportQueryProblem({ year: 2022, homeId: 1, zoneId: 4 }, coverage)).toBe(
      '--zone 4: zone 4 (Study) has nothing analysed in 2022 (it has in 2023); heating zones analysed in 2022 for home 1: 1 (Living room)',
    );
  });

  it('says so when nothing is analysed at all', () => {
    const empty: ReportCoverage = {
      homes: [{ homeId: 1, zones: [{ zoneId: 1, name: 'a', zoneType: 'HEATING', years: [] }] }],
    };
    expect(reportQueryProblem({ year: 2022 }, empty)).toMatch(
      /^nothing analysed yet: schema analytics has no zone-day/,
    );
  });
});
