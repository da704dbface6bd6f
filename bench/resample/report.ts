/**
 * The markdown tables bench/resample-engines.ts prints: (a) compute only, (b) end to end for the
 * year, (c) one day as a task program; medians of the runs.
 */
import { TASK_PROGRAM_NODE_FLAGS } from '../../src/task-sdk/program-flags.js';
import { median, type RunSample } from './measure.js';
import type { Phases } from './pipelines.js';
import type { GridChecksum, GridComparison } from './verify.js';

/** What ./run-engine.ts prints. */
export interface EngineReport {
  samples: RunSample[];
  phases: Phases[];
  handover: RunSample[];
  loadMs?: number;
  checksum?: GridChecksum;
  comparison?: GridComparison;
  peakRssMb: number;
  serverPeakRssMb: number;
}

/** One run of ./run-day.ts under GNU time. */
export interface DaySample {
  wallS: number;
  cpuS: number;
  rssMb: number;
  report?: { startupMs: number; phases: Phases; serverCpuMs: number };
}

/** Everything the tables show. */
export interface ReportData {
  runs: number;
  dayRuns: number;
  zoneDays: number;
  compute: Record<'ts' | 'postgres' | 'duckdb' | 'duckdbAsof', EngineReport>;
  variants: readonly { engine: string; write: string }[];
  e2e: readonly EngineReport[];
  dayDates: readonly string[];
  dayZoneDays: number;
  dayRows: number;
  nodeBaseline: readonly DaySample[];
  day: readonly (readonly DaySample[])[];
}

const fmtS = (ms: number): string => (ms / 1000).toFixed(2);
const med = (xs: number[]): number => median(xs);
const cell = (r: EngineReport, f: (s: RunSample) => number): string => fmtS(med(r.samples.map(f)));

/** The three tables, as lines. */
export function engineTables(d: ReportData): string[] {
  const { runs, dayRuns, compute, e2e, dayDates, dayRows, nodeBaseline, day } = d;
  const lines: string[] = [];
  const p = (s = ''): number => lines.push(s);
  p(
    `(a) compute only, 2022 (${d.zoneDays} zone-days, ${compute.ts.checksum?.rows ?? 0} minutes), median of ${runs}:`,
  );
  p();
  p('| engine | wall s | process CPU s | Postgres CPU s | peak RSS MB | note |');
  p('| --- | ---: | ---: | ---: | ---: | --- |');
  const row = (name: string, r: EngineReport, note: string): void => {
    p(
      `| ${name} | ${cell(r, (s) => s.wallMs)} | ${cell(r, (s) => s.cpuMs)} | ${cell(r, (s) => s.serverCpuMs)} | ${r.peakRssMb.toFixed(0)} | ${note} |`,
    );
  };
  const handover = (r: EngineReport): string => fmtS(med(r.handover.map((s) => s.wallMs)));
  const same = (r: EngineReport): string =>
    r.comparison === undefined
      ? ''
      : r.comparison.differingRows === 0
        ? `; ${r.comparison.floatsNotIdentical === 0 ? 'bit-identical to' : `within ${r.comparison.maxAbsDiff} of`} the product's minutes`
        : `; ${r.comparison.differingRows} MINUTES DIFFER`;
  row('TypeScript (product)', compute.ts, "clean's pairs → `resampleZoneDay` per zone-day, all series kept");
  row(
    'Postgres SQL',
    compute.postgres,
    `grid's checksum in the server; staging load ${fmtS(compute.postgres.loadMs ?? 0)} s; backend peak RSS ${compute.postgres.serverPeakRssMb.toFixed(0)} MB`,
  );
  row(
    'DuckDB, expansion joins',
    compute.duckdb,
    `into a DuckDB table; appender load ${fmtS(compute.duckdb.loadMs ?? 0)} s, to JavaScript +${handover(compute.duckdb)} s${same(compute.duckdb)}`,
  );
  row(
    'DuckDB, ASOF joins',
    compute.duckdbAsof,
    `same; to JavaScript +${handover(compute.duckdbAsof)} s${same(compute.duckdbAsof)}`,
  );
  p();
  p(
    `(b) end to end, 2022: clean's file → grid → table with PK (home_id, zone_id, minute_start), median of ${runs}:`,
  );
  p();
  p(
    '| engine → write path | wall s | process CPU s | Postgres CPU s | machine busy s | peak RSS MB | read / load / grid / write s | write rows/s |',
  );
  p('| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |');
  d.variants.forEach((v, i) => {
    const r = e2e[i] as EngineReport;
    const ph = (k: keyof Phases): number => med(r.phases.map((x) => x[k]));
    const rows = ph('rows');
    const inGrid = v.write === 'server';
    const wall = med(r.samples.map((s) => s.wallMs));
    p(
      `| ${v.engine} → ${v.write} | ${fmtS(wall)} | ${cell(r, (s) => s.cpuMs)} | ${fmtS(med(r.samples.map((s, k) => s.serverCpuMs + (r.phases[k]?.extraServerCpuMs ?? 0))))} | ` +
        `${cell(r, (s) => s.machineBusyMs)} | ${r.peakRssMb.toFixed(0)} | ${fmtS(ph('readMs'))} / ${fmtS(ph('importMs') + ph('loadMs'))} / ${fmtS(ph('computeMs'))} / ${inGrid ? '(in grid)' : fmtS(ph('writeMs'))} | ` +
        `${inGrid ? `${Math.round(rows / (ph('computeMs') / 1000)).toLocaleString('en')} (load excluded)` : Math.round(rows / (ph('writeMs') / 1000)).toLocaleString('en')} |`,
    );
  });
  p();
  p(
    `(c) one day (${dayDates.join(', ')}: ${d.dayZoneDays} zone-days, ${dayRows.toLocaleString('en')} rows), a fresh \`node ${TASK_PROGRAM_NODE_FLAGS.join(' ')}\` on an esbuild bundle, median of ${dayRuns}:`,
  );
  p();
  p(
    '| engine → write path | wall s | CPU s (user+sys) | Postgres CPU s | peak RSS MB | start-up / DuckDB import / read / load / grid / write ms |',
  );
  p('| --- | ---: | ---: | ---: | ---: | --- |');
  const dayRow = (name: string, s: readonly DaySample[]): void => {
    const rep = (f: (r: NonNullable<DaySample['report']>) => number): string =>
      s[0]?.report === undefined ? '—' : med(s.map((x) => (x.report ? f(x.report) : NaN))).toFixed(0);
    p(
      `| ${name} | ${med(s.map((x) => x.wallS)).toFixed(2)} | ${med(s.map((x) => x.cpuS)).toFixed(2)} | ` +
        `${s[0]?.report === undefined ? '—' : (med(s.map((x) => x.report?.serverCpuMs ?? NaN)) / 1000).toFixed(2)} | ` +
        `${med(s.map((x) => x.rssMb)).toFixed(0)} | ${rep((r) => r.startupMs)} / ${rep((r) => r.phases.importMs)} / ${rep((r) => r.phases.readMs)} / ` +
        `${rep((r) => r.phases.loadMs)} / ${rep((r) => r.phases.computeMs)} / ${rep((r) => r.phases.writeMs)} |`,
    );
  };
  dayRow('`node -e 0` (baseline)', nodeBaseline);
  d.variants.forEach((v, i) => dayRow(`${v.engine} → ${v.write}`, day[i] ?? []));
  return lines;
}
