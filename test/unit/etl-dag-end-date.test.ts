import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextDagRunInfo } from '../../src/core/timetable.js';
import type { Dag } from '../../src/core/types.js';

/** dags/tado_etl.ts read afresh with these variables (it reads them when imported). */
async function tadoEtlWith(env: Record<string, string>): Promise<Dag> {
  vi.resetModules();
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  return (await import('../../dags/tado_etl.js')).tadoEtl;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

/** Every logical date the schedule creates, as local days (ds). */
function logicalDays(dag: Dag): string[] {
  const out: string[] = [];
  let last: Date | null = null;
  for (;;) {
    const info = nextDagRunInfo(dag, last, new Date('2030-01-01T00:00:00Z'));
    if (info === null || out.length > 400) return out;
    out.push(info.logicalDate.toLocaleDateString('sv-SE', { timeZone: 'Europe/London' }));
    last = info.logicalDate;
  }
}

describe('TADO_ETL_END_DATE is the last logical date, included (README)', () => {
  it('a plain date includes its own day’s 01:00 run', async () => {
    const dag = await tadoEtlWith({ TADO_ETL_START_DATE: '2022-12-28', TADO_ETL_END_DATE: '2022-12-31' });
    expect(logicalDays(dag)).toEqual(['2022-12-28', '2022-12-29', '2022-12-30', '2022-12-31']);
  });

  it('a whole year gives 365 runs; an instant is taken as given', async () => {
    const year = await tadoEtlWith({ TADO_ETL_START_DATE: '2022-01-01', TADO_ETL_END_DATE: '2022-12-31' });
    expect(logicalDays(year)).toHaveLength(365);
    const instant = await tadoEtlWith({
      TADO_ETL_START_DATE: '2022-12-28',
      TADO_ETL_END_DATE: '2022-12-31T00:30:00',
    });
    expect(logicalDays(instant)).toEqual(['2022-12-28', '2022-12-29', '2022-12-30']);
  });
});
