/**
 * The heating report as text (what `heatflow heating report` and `heatflow demo` print) and as
 * JSON (`--json`): per home, a table of the yearly figures and the energy signature of the home
 * and each zone, the answer to "is heating weather-dependent?" with its rule, and the unusual
 * days with their reasons. Pure: formats a {@link HeatingReport} read from the tables.
 */
import type { HeatingReport, ScopeHeatingReport } from '../db/analytics-records.js';

const num = (x: number | null | undefined, digits: number): string =>
  x === null || x === undefined
    ? '—'
    : x.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const pad = (s: string, n: number, right = false): string => (right ? s.padStart(n) : s.padEnd(n));

/** How the report names a scope: its zone name, or "home". */
export function scopeName(s: Pick<ScopeHeatingReport, 'zoneId' | 'zoneName'>): string {
  return s.zoneId === null ? 'home (all zones)' : `${s.zoneName ?? '?'} (zone ${s.zoneId})`;
}

/** One table row per scope. */
function scopeRows(scopes: readonly ScopeHeatingReport[]): string[] {
  const header = [
    pad('scope', 24),
    pad('days', 5, true),
    pad('heating h', 10, true),
    pad('HDD', 7, true),
    pad('h/HDD', 6, true),
    pad('°C heating', 11, true),
    pad('T_b °C', 7, true),
    pad('β h/°C', 7, true),
    pad('μ h', 5, true),
    pad('adj R²', 7, true),
    '  weather-dependent',
  ].join(' ');
  const rows = scopes.map((s) => {
    const y = s.yearly;
    const f = s.fit?.fit;
    return [
      pad(scopeName(s), 24),
      pad(String(y?.days ?? 0), 5, true),
      pad(num(y?.heatingHours, 1), 10, true),
      pad(num(y?.hdd, 0), 7, true),
      pad(num(y?.heatingHoursPerHdd, 2), 6, true),
      pad(num(y?.insideMeanHeatingC, 1), 11, true),
      pad(num(f?.balanceTemperatureC, 1), 7, true),
      pad(num(f?.slopeHoursPerC, 3), 7, true),
      pad(num(f?.interceptHours, 2), 5, true),
      pad(num(f?.adjustedR2, 3), 7, true),
      `  ${f === undefined ? '— (not fitted)' : f.weatherDependent ? 'yes' : 'no'}${s.fit?.sufficiency?.sufficient === false ? ` (partial year: ${s.fit.sufficiency.daysWithData} of ${s.fit.sufficiency.daysInPeriod} days)` : ''}`,
    ].join(' ');
  });
  return [header, ...rows];
}

/** Options of {@link formatHeatingReport}. */
export interface HeatingReportFormat {
  /** list at most this many unusual days per home; `@defaultValue` all */
  readonly maxUnusualDays?: number;
  /** add each scope's monthly heating hours and HDD; `@defaultValue false` */
  readonly monthly?: boolean;
}

/** The report as lines of text. */
export function formatHeatingReport(report: HeatingReport, options: HeatingReportFormat = {}): string {
  if (report.homes.length === 0) {
    return `heating ${report.year}: nothing analysed for this year yet (heating_analytics runs after tado_etl's loads)\n`;
  }
  const out: string[] = [];
  for (const home of report.homes) {
    const homeScope = home.scopes.find((s) => s.zoneId === null);
    const counts = homeScope?.zoneDays ?? {
      analysed: home.scopes.reduce((n, s) => n + s.zoneDays.analysed, 0),
      rejected: home.scopes.reduce((n, s) => n + s.zoneDays.rejected, 0),
      rejectedDays: home.scopes.flatMap((s) => s.zoneDays.rejectedDays),
    };
    out.push(
      `heating ${report.year}, home ${home.homeId}: ${counts.analysed} zone-days analysed, ${counts.rejected} set aside`,
      '',
      ...scopeRows(home.scopes),
      '',
      'heating h: minutes with heating demand (callForHeat ≠ NONE) / 60; HDD: base 15.5 °C; °C heating: mean indoor while heating;',
      'energy signature: daily heating hours = μ + β·max(0, T_b − mean outdoor °C) (CalTRACK / ASHRAE Guideline 14)',
      '',
    );
    for (const s of home.scopes) {
      if (s.fit === null) continue;
      out.push(`is heating weather-dependent? ${scopeName(s)}: ${s.fit.fit.decision}`);
      if (s.fit.sufficiency?.sufficient === false)
        out.push(`  data sufficiency, ${scopeName(s)}: ${s.fit.sufficiency.reason}`);
    }
    if (options.monthly === true) {
      out.push('', 'monthly heating hours (HDD):');
      for (const s of home.scopes) {
        out.push(
          `  ${pad(scopeName(s), 24)} ${s.monthly.map((m) => `${String(m.month).padStart(2, '0')}: ${num(m.heatingHours, 0)} (${num(m.hdd, 0)})`).join('  ')}`,
        );
      }
    }
    const unusual = home.scopes
      .flatMap((s) => s.unusualDays)
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    const shown = unusual.slice(0, options.maxUnusualDays ?? unusual.length);
    out.push('', `unusual days: ${unusual.length}`);
    for (const u of shown) {
      out.push(
        `  ${u.date}  ${pad(u.zoneId === null ? 'home' : (u.zoneName ?? `zone ${u.zoneId}`), 12)} ${pad(u.reason, 22)} ${u.description}`,
      );
    }
    if (shown.length < unusual.length)
      out.push(
        `  … and ${unusual.length - shown.length} more (heatflow heating report --year ${report.year})`,
      );
    if (counts.rejectedDays.length > 0) {
      out.push('', `zone-days set aside: ${counts.rejectedDays.length}`);
      for (const r of counts.rejectedDays.slice(0, 20)) out.push(`  ${r.reason}`);
    }
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
