/**
 * The return values (XComs) of the tado_etl tasks, as zod schemas: each task validates its
 * upstream's value with them (`ctx.xcom('extract', extractResultSchema)`), so a mismatch names the
 * task and the JSON path. Files are relative to the run folder (`HEATFLOW_RUN_DIR`).
 */
import { z } from 'zod';
import type { LocalDayWindowJson } from './local-day-window.js';

/** Where extract writes its files, relative to the run folder. */
export const EXTRACT_DIR = 'extract';
/** Where transform writes its tables, relative to the run folder. */
export const TRANSFORM_DIR = 'transform';

/** A day report extract wrote. */
export const extractedReportSchema = z.object({
  zoneId: z.number().int(),
  zoneName: z.string(),
  /** raw JSON of the day report, relative to the run folder */
  file: z.string(),
});

/** A zone extract did not fetch for the day, and why. */
export const skippedZoneSchema = z.object({
  zoneId: z.number().int(),
  zoneName: z.string(),
  /** `before_zone_creation` or `not_heating` */
  reason: z.enum(['before_zone_creation', 'not_heating']),
  detail: z.string(),
});

const isoInstant = z.iso.datetime({ offset: true });

/** The local day and tado's report window for it ({@link LocalDayWindowJson}). */
export const dayWindowSchema = z.object({
  date: z.string(),
  timeZone: z.string(),
  /** local midnight starting the day */
  dayStart: isoInstant,
  /** next local midnight */
  dayEnd: isoInstant,
  /** 24, or 23 / 25 on clock-change days */
  hoursInDay: z.number().int(),
  /** `dayStart` − 15 min: tado's `interval.from` */
  windowStart: isoInstant,
  /** `dayEnd` + 15 min: tado's `interval.to` */
  windowEnd: isoInstant,
}) satisfies z.ZodType<LocalDayWindowJson>;

/** extract's return value. */
export const extractResultSchema = z.object({
  homeId: z.number().int(),
  /** the home's IANA time zone (`dateTimeZone`): what a day is */
  timeZone: z.string(),
  /** the local day extracted */
  date: z.string(),
  /**
   * the local day's window in the home's time zone, computed once by extract so that validate
   * and transform need no time zone arithmetic (absent in XComs of runs from before it existed)
   */
  window: dayWindowSchema.optional(),
  /** raw `GET /homes/{homeId}/zones`, relative to the run folder */
  zonesFile: z.string(),
  reports: z.array(extractedReportSchema),
  skipped: z.array(skippedZoneSchema),
  /** API requests this try sent */
  requests: z.number().int(),
  /** requests left in the daily quota after this try, when the API said */
  rateLimitRemaining: z.number().nullable(),
});
/** extract's return value. */
export type ExtractResult = z.infer<typeof extractResultSchema>;

/** validate's return value: extract's home, day and zone list, and the reports that passed, with their flags. */
export const validateResultSchema = extractResultSchema
  .pick({ homeId: true, timeZone: true, date: true, window: true, zonesFile: true })
  .extend({
    reports: z.array(
      extractedReportSchema.extend({
        placeholder: z.boolean(),
        deviceOfflineMs: z.number(),
        flags: z.array(z.object({ code: z.string(), message: z.string() })),
      }),
    ),
    /** number of reports flagged (placeholder or device offline) */
    flagged: z.number().int(),
  });
/** validate's return value. */
export type ValidateResult = z.infer<typeof validateResultSchema>;

/** Per-table counts. */
export const rowCountsSchema = z.object({
  zones: z.number().int(),
  days: z.number().int(),
  interior: z.number().int(),
  weather: z.number().int(),
  callForHeat: z.number().int(),
  settings: z.number().int(),
  deviceConnected: z.number().int(),
  /** AIR_CONDITIONING zones' `tado.ac_activity` (0 in the XComs of runs from before it existed) */
  acActivity: z.number().int().default(0),
});

/** transform's return value. */
export const transformResultSchema = z.object({
  /** one JSON file per table, relative to the run folder */
  files: z.object({
    zones: z.string(),
    days: z.string(),
    interior: z.string(),
    weather: z.string(),
    callForHeat: z.string(),
    settings: z.string(),
    deviceConnected: z.string(),
    /** absent in the XComs of runs from before AC zones were loaded */
    acActivity: z.string().optional(),
  }),
  rows: rowCountsSchema,
  /** time this try spent importing danfojs-node, in ms (0 when it started from the danfojs snapshot) */
  danfoImportMs: z.number(),
  /** where danfojs came from: `snapshot` (preloaded at build time) or `import` (imported by this try) */
  danfoSource: z.enum(['snapshot', 'import']),
  /** ms from the process's start to the task function's start (Node.js start-up, snapshot deserialisation, module loading) */
  startupMs: z.number(),
  /** time to read, flatten and write the tables (after the import), in ms */
  workMs: z.number(),
});
/** transform's return value. */
export type TransformResult = z.infer<typeof transformResultSchema>;

/** load's return value. */
export const loadResultSchema = z.object({
  /** rows inserted or updated per table */
  upserted: rowCountsSchema,
  /** rows of reloaded days their new reports no longer have, per table */
  deleted: rowCountsSchema,
  /** rows written in total */
  totalRows: z.number().int(),
  /** time of the load transaction, in ms */
  loadMs: z.number(),
  rowsPerSecond: z.number(),
  /** zone-days loaded that are tado's placeholder history (stored as days, no measurement; absent before issue 15) */
  placeholderZoneDays: z.number().int().optional(),
  /** those zone-days, `zone <id> <date>` */
  placeholderDays: z.array(z.string()).optional(),
  /** readings stored with their values nulled because the measuring device was disconnected */
  deviceOfflineReadings: z.number().int().optional(),
});
/** load's return value. */
export type LoadResult = z.infer<typeof loadResultSchema>;
