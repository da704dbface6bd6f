/**
 * A year of heating analysis in a database, for the web benchmark and its screenshots: the
 * simulated home's year (seed 1) generated, validated, flattened and analysed in process
 * (test/helpers/analyse-simulated-year.ts: the chain the heating_analytics tasks run) and written
 * through the analytics repository as its tasks write it (zone-days and minutes by COPY, day
 * metrics, the year's fits and periods, unusual days), plus the home's zones in `tado.zones`.
 * No tado_etl runs are recorded, so a day view names only the analysis "run" given.
 */
import { sql } from 'kysely';
import { homeDayMetrics } from '../../src/analytics/home-day-metrics.js';
import { createAnalyticsDb } from '../../src/db/analytics-pool.js';
import { openAnalyticsStore } from '../../src/db/analytics-repository.js';
import { DEFAULT_SIM_HOME } from '../../src/tado/simulator/sim-home.js';
import { analyseSimulatedYear } from '../../test/helpers/analyse-simulated-year.js';

/** What {@link seedHeatingYear} wrote. */
export interface SeededHeatingYear {
  readonly zoneDays: number;
  readonly minutes: number;
  readonly unusualDays: number;
  readonly wallMs: number;
}

/** Writes the simulated `year` of the default home into the `analytics` (and `tado.zones`) of `databaseUrl`. */
export async function seedHeatingYear(databaseUrl: string, year = 2022): Promise<SeededHeatingYear> {
  const t0 = performance.now();
  const home = DEFAULT_SIM_HOME;
  const { analysis } = await analyseSimulatedYear(1, home, year, { keepSeries: true });
  const db = createAnalyticsDb(databaseUrl, { max: 1, applicationName: 'bench-seed' });
  try {
    for (const z of home.zones)
      await sql`
        INSERT INTO tado.zones (home_id, zone_id, name, zone_type, date_created, device_types, raw)
        VALUES (${home.homeId}, ${z.id}, ${z.name}, ${z.type}, ${z.dateCreated}, ${[z.deviceType]}::text[],
                ${JSON.stringify({ id: z.id, name: z.name, type: z.type })}::jsonb)
        ON CONFLICT DO NOTHING`.execute(db);
  } finally {
    await db.destroy();
  }
  const { repository, close } = openAnalyticsStore(databaseUrl, 'bench-seed');
  const ctx = { dagRunId: `manual__${year}-seeded-by-bench`, at: new Date() };
  try {
    const analysed = analysis.zoneDays.map((z) => {
      if (z.series === undefined) throw new Error(`zone ${z.zoneId} ${z.date}: no series kept`);
      return { series: z.series, timeZone: home.timeZone, counts: z.counts };
    });
    const written = await repository.replaceZoneMinutes(analysed, analysis.rejected, ctx);
    await repository.replaceDayMetrics(
      analysis.zoneDays.map((z) => z.metrics),
      analysis.rejected,
      homeDayMetrics,
      ctx,
    );
    await repository.replaceYearResults(
      home.homeId,
      year,
      {
        fits: analysis.fits
          .filter((f) => f.year === year)
          .map((f) => ({
            zoneId: f.zoneId,
            periodStart: f.periodStart,
            periodEnd: f.periodEnd,
            fit: f.fit,
            sufficiency: f.sufficiency,
          })),
        periods: analysis.periods.filter((p) => p.year === year),
      },
      ctx,
    );
    await repository.replaceUnusualDays(home.homeId, year, analysis.unusualDays, ctx);
    return {
      zoneDays: analysed.length,
      minutes: written.minutesWritten,
      unusualDays: analysis.unusualDays.length,
      wallMs: Math.round(performance.now() - t0),
    };
  } finally {
    await close();
  }
}
