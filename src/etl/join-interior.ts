/**
 * Joins a day report's inside-temperature and humidity samples on their timestamp with
 * danfojs-node (the project card's stand-in for pandas: `pd.merge(how="outer")`). The danfojs
 * module is passed in, so callers decide when to pay for its import and can time it.
 */
import v8 from 'node:v8';
import type { HumidityDataPoint, TemperatureDataPoint } from '../tado/schemas.js';

/** The part of a danfojs DataFrame the join uses. */
export interface DanfoFrame {
  readonly columns: string[];
  readonly values: unknown;
  sortValues(column: string): DanfoFrame;
}

/** The part of the danfojs module the join uses (`DataFrame`, `merge`). */
export interface DanfoModule {
  readonly DataFrame: new (data: Record<string, unknown[]>) => DanfoFrame;
  merge(params: { left: DanfoFrame; right: DanfoFrame; on: string[]; how: 'outer' }): DanfoFrame;
}

/**
 * The danfojs entry point the transform loads: danfojs-node's data-frame core
 * (`danfojs-node/dist/danfojs-base`: DataFrame, Series, merge, groupby, on tfjs and mathjs) without
 * the package's file readers and writers (xlsx, csv streams, request), which the ETL does not use
 * and which cost about a third more CPU on import (0.88 s against 0.66 s measured; docs/pipeline.md).
 */
export const DANFO_CORE_ENTRY = 'danfojs-node/dist/danfojs-base/index.js';

/** danfojs, loaded, and what loading it cost this process. */
export interface LoadedDanfo {
  readonly dfd: DanfoModule;
  /**
   * - `snapshot`: already in memory: imported while the program's startup snapshot was built
   *   (`dist/snapshots/transform.blob`, docs/task-programs.md), so this process paid nothing;
   * - `import`: imported by this process.
   */
  readonly source: 'snapshot' | 'import';
  /** time this process spent importing, in ms (0 from the snapshot, whose import ran at build time) */
  readonly importMs: number;
  /** from the snapshot: how long the import took when the snapshot was built, in ms */
  readonly snapshotImportMs?: number;
}

const asDanfoModule = (mod: unknown): DanfoModule => {
  // a CommonJS module: its exports are the namespace's properties (and `default`)
  const ns = mod as { default?: unknown } & Record<string, unknown>;
  return ('DataFrame' in ns ? ns : ns.default) as DanfoModule;
};

let loaded: Promise<{ dfd: DanfoModule; ms: number; inSnapshot: boolean }> | undefined;

/**
 * Loads danfojs's data-frame core (see {@link DANFO_CORE_ENTRY}) once per process. Called while a
 * startup snapshot is built (transform's `preload`), the import happens then and the process that
 * starts from the snapshot finds it done. The specifier is a literal so that esbuild bundles
 * danfojs into the transform program (scripts/build-task-programs.ts).
 */
export async function loadDanfo(): Promise<LoadedDanfo> {
  loaded ??= (async () => {
    const start = performance.now();
    const mod: unknown = await import('danfojs-node/dist/danfojs-base/index.js');
    return {
      dfd: asDanfoModule(mod),
      ms: performance.now() - start,
      // Node.js 20 answers 1 or 0, not a boolean
      inSnapshot: Boolean(v8.startupSnapshot.isBuildingSnapshot()),
    };
  })();
  const { dfd, ms, inSnapshot } = await loaded;
  if (inSnapshot && !v8.startupSnapshot.isBuildingSnapshot()) {
    return { dfd, source: 'snapshot', importMs: 0, snapshotImportMs: ms };
  }
  return { dfd, source: 'import', importMs: ms };
}

/** Imports danfojs's data-frame core (see {@link loadDanfo}). */
export async function importDanfo(): Promise<DanfoModule> {
  return (await loadDanfo()).dfd;
}

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
    const col = (name: string): number => {
      const i = joined.columns.indexOf(name);
      if (i < 0) throw new Error(`danfojs merge lost column ${name} (has ${joined.columns.join(', ')})`);
      return i;
    };
    const [iTs, iT, iH] = [col('ts'), col('temperatureC'), col('humidityFraction')];
    return (joined.values as unknown[][]).map((row) => ({
      ts: String(row[iTs]),
      temperatureC: orNull(row[iT]),
      humidityFraction: orNull(row[iH]),
    }));
  };
}
