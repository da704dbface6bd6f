/**
 * The order in which a time-zone mismatch names candidate IANA zones: the likely ones first, so
 * that a London home read as New York is told "e.g. Europe/London, Europe/Dublin, Europe/Lisbon"
 * rather than "e.g. Africa/Algiers, Africa/Bangui, …". Pure: the zones to rank are passed in.
 */

/**
 * Zones that homes are most likely in, most likely first: tado sells mostly in Europe, so the
 * European capitals lead, then the large zones of the other continents. Only the order matters;
 * a zone missing from a runtime's `Intl` list is simply never a candidate, so both the IANA name
 * and the older one ICU lists (Node 20: `Asia/Calcutta`, `America/Buenos_Aires`) are here.
 */
export const WELL_KNOWN_TIME_ZONES: readonly string[] = [
  'Europe/London',
  'Europe/Berlin',
  'Europe/Paris',
  'Europe/Amsterdam',
  'Europe/Brussels',
  'Europe/Madrid',
  'Europe/Rome',
  'Europe/Vienna',
  'Europe/Zurich',
  'Europe/Dublin',
  'Europe/Lisbon',
  'Europe/Copenhagen',
  'Europe/Stockholm',
  'Europe/Oslo',
  'Europe/Warsaw',
  'Europe/Prague',
  'Europe/Budapest',
  'Europe/Helsinki',
  'Europe/Athens',
  'Europe/Bucharest',
  'Europe/Istanbul',
  'Europe/Moscow',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'America/Phoenix',
  'America/Anchorage',
  'America/Toronto',
  'America/Vancouver',
  'America/Mexico_City',
  'America/Sao_Paulo',
  'America/Argentina/Buenos_Aires',
  'America/Buenos_Aires',
  'America/Bogota',
  'America/Santiago',
  'Pacific/Honolulu',
  'Asia/Tokyo',
  'Asia/Shanghai',
  'Asia/Hong_Kong',
  'Asia/Singapore',
  'Asia/Seoul',
  'Asia/Kolkata',
  'Asia/Calcutta',
  'Asia/Dubai',
  'Asia/Jerusalem',
  'Australia/Sydney',
  'Australia/Melbourne',
  'Australia/Brisbane',
  'Australia/Adelaide',
  'Australia/Perth',
  'Pacific/Auckland',
  'Africa/Johannesburg',
  'Africa/Cairo',
  'Africa/Lagos',
  'Africa/Nairobi',
  'Atlantic/Reykjavik',
  'UTC',
];

const wellKnownRank = new Map(WELL_KNOWN_TIME_ZONES.map((z, i) => [z, i]));

/**
 * The region of an IANA zone (`Europe` of `Europe/London`), or null for a zone that names none:
 * `UTC`, and `Etc/…` (fixed offsets, no place).
 */
export function timeZoneRegion(zone: string): string | null {
  const slash = zone.indexOf('/');
  if (slash <= 0) return null;
  const region = zone.slice(0, slash);
  return region === 'Etc' ? null : region;
}

/**
 * `zones` ordered most likely first, for the home configured in `configured`: the zones of the
 * configured zone's region (`Europe/…` for `Europe/London`), then the others; within each, the
 * {@link WELL_KNOWN_TIME_ZONES} in that list's order, then the rest alphabetically. Deterministic
 * (the input's order does not matter); duplicates are kept once; `configured` itself is kept.
 * @param zones - IANA zone names, e.g. `Intl.supportedValuesOf('timeZone')`
 * @param configured - the IANA zone the pipeline uses for the home
 */
export function rankTimeZones(zones: readonly string[], configured: string): string[] {
  const region = timeZoneRegion(configured);
  const key = (z: string): [number, number, string] => [
    region !== null && timeZoneRegion(z) === region ? 0 : 1,
    wellKnownRank.get(z) ?? WELL_KNOWN_TIME_ZONES.length,
    z,
  ];
  return [...new Set(zones)]
    .map((z) => ({ z, k: key(z) }))
    .sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || (a.k[2] < b.k[2] ? -1 : a.k[2] > b.k[2] ? 1 : 0))
    .map((x) => x.z);
}
