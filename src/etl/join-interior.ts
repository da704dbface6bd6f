/**
 * Joins a day report's inside-temperature and humidity samples on their timestamp with
 * danfojs-node (the project card's stand-in for pandas: `pd.merge(how="outer")`). The danfojs
 * module is passed in, so callers decide when to pay for its import (about 0.5 s) and can time it.
 */
import type * as Danfo from 'danfojs-node';
import type { HumidityDataPoint, TemperatureDataPoint } from '../tado/schemas.js';

/** The danfojs-node module (`await import('danfojs-node')`). */
export type DanfoModule = typeof Danfo;

/** One joined sample. */
export interface InteriorSample {
  /** ISO 8601 UTC, normalised with milliseconds */
  readonly ts: string;
  /** °C; null when the report has no temperature at `ts` */
  readonly temperatureC: number | null;
  /** fraction 0..1; null when the report has no humidity at `ts` */
  readonly humidityFraction: number | null;
}

/** Joins the samples (full outer join on the timestamp, sorted by time). */
export type InteriorJoin = (
  temperature: readonly TemperatureDataPoint[],
  humidity: readonly HumidityDataPoint[],
) => InteriorSample[];

const norm = (s: string): string => new Date(s).toISOString();
const orNull = (v: unknown): number | null => (typeof v === 'number' && !Number.isNaN(v) ? v : null);

/**
 * Makes an {@link InteriorJoin} over danfojs: one DataFrame per series, `merge({how: 'outer',
 * on: ['ts']})`, `sortValues('ts')`. A timestamp repeated within one series keeps its first value
 * (validation rejects such reports anyway).
 */
export function danfoInteriorJoin(dfd: DanfoModule): InteriorJoin {
  return (temperature, humidity) => {
    const firstOf = <P extends { timestamp: string }>(points: readonly P[]): P[] => {
      const seen = new Set<string>();
      return points.filter((p) => {
        const k = norm(p.timestamp);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    };
    const t = firstOf(temperature);
    const h = firstOf(humidity);
    // danfojs cannot build an empty DataFrame: handle a missing series without it.
    if (t.length === 0 || h.length === 0) {
      const rows: InteriorSample[] = [
        ...t.map((p) => ({ ts: norm(p.timestamp), temperatureC: p.value.celsius, humidityFraction: null })),
        ...h.map((p) => ({ ts: norm(p.timestamp), temperatureC: null, humidityFraction: p.value })),
      ];
      return rows.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    }
    const left = new dfd.DataFrame({
      ts: t.map((p) => norm(p.timestamp)),
      temperatureC: t.map((p) => p.value.celsius),
    });
    const right = new dfd.DataFrame({
      ts: h.map((p) => norm(p.timestamp)),
      humidityFraction: h.map((p) => p.value),
    });
    const joined = dfd.merge({ left, right, on: ['ts'], how: 'outer' }).sortValues('ts');
    const columns = dfd.toJSON(joined, { format: 'column' }) as Record<string, unknown>[];
    return columns.map((r) => ({
      ts: String(r.ts),
      temperatureC: orNull(r.temperatureC),
      humidityFraction: orNull(r.humidityFraction),
    }));
  };
}
