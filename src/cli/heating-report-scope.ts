/**
 * Whether `heatflow heating report --year Y [--home H] [--zone N]` asks for something the analytics
 * tables hold, and if not, the one-line reason that lists what does exist (homes, years, zones),
 * so a mistyped option is not answered with an empty report. Pure: decides on a
 * {@link ReportCoverage} read from the tables.
 */
import type { HeatingReportQuery } from '../db/analytics-records.js';
import type { ReportCoverage, ReportZone } from '../db/heating-report-query.js';

const zoneLabel = (z: ReportZone): string => `${z.zoneId}${z.name === null ? '' : ` (${z.name})`}`;
const yearsOf = (zones: readonly ReportZone[]): number[] =>
  [...new Set(zones.flatMap((z) => z.years))].sort((a, b) => a - b);

/**
 * The problem with a report query, naming the option at fault and listing what exists, or
 * `undefined` when the tables hold something for it.
 */
export function reportQueryProblem(query: HeatingReportQuery, coverage: ReportCoverage): string | undefined {
  const withData = coverage.homes
    .map((h) => ({ homeId: h.homeId, zones: h.zones, analysed: h.zones.filter((z) => z.years.length > 0) }))
    .filter((h) => h.analysed.length > 0);
  if (withData.length === 0)
    return "nothing analysed yet: schema analytics has no zone-day (heating_analytics runs on tado_etl's loads: `heatflow demo`, or `heatflow dags backfill tado_etl -s … -e …` with a scheduler running)";
  const homesText = withData.map((h) => `${h.homeId} (${yearsOf(h.analysed).join(', ')})`).join(', ');
  const scope = query.homeId === undefined ? withData : withData.filter((h) => h.homeId === query.homeId);
  if (scope.length === 0)
    return `--home ${query.homeId}: no analysed data for home ${query.homeId}; homes with data (years): ${homesText}`;
  const years = yearsOf(scope.flatMap((h) => h.analysed));
  const forHome = query.homeId === undefined ? '' : ` for home ${query.homeId}`;
  if (!years.includes(query.year))
    return `--year ${query.year}: nothing analysed in ${query.year}${forHome}; years with data: ${years.join(', ')}`;
  if (query.zoneId === undefined) return undefined;
  const zoneId = query.zoneId;
  const inYear = scope.map((h) => ({
    homeId: h.homeId,
    zones: h.analysed.filter((z) => z.years.includes(query.year)),
  }));
  if (inYear.some((h) => h.zones.some((z) => z.zoneId === zoneId))) return undefined;
  const listedHomes = inYear.filter((h) => h.zones.length > 0);
  const listed = listedHomes
    .map((h) => `${listedHomes.length > 1 ? `home ${h.homeId}: ` : ''}${h.zones.map(zoneLabel).join(', ')}`)
    .join('; ');
  const analysedText = `heating zones analysed in ${query.year}${forHome}: ${listed}`;
  const known = scope.flatMap((h) => h.zones).find((z) => z.zoneId === zoneId);
  if (known === undefined) return `--zone ${zoneId}: no such zone${forHome}; ${analysedText}`;
  if (known.zoneType !== null && known.zoneType !== 'HEATING')
    return `--zone ${zoneId}: zone ${zoneLabel(known)} is a ${known.zoneType} zone, not a heating zone (heating_analytics analyses heating zones only); ${analysedText}`;
  return `--zone ${zoneId}: zone ${zoneLabel(known)} has nothing analysed in ${query.year}${known.years.length > 0 ? ` (it has in ${known.years.join(', ')})` : ''}; ${analysedText}`;
}
