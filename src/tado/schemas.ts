/**
 * zod schemas of the tado° API responses the ETL reads, and their inferred types.
 *
 * Terminology (tado's words, see `docs/tado.md`):
 * - **dayReport**: `GET /homes/{homeId}/zones/{zoneId}/dayReport?date=YYYY-MM-DD`, one zone's
 *   history for one calendar day in the home's time zone, widened by 15 minutes on each side.
 * - **dataPoints** series: samples `{timestamp, value}` on a 15-minute grid.
 * - **dataIntervals** series: contiguous `{from, to, value}` intervals covering the report window.
 * - **slots** series: five local-time slots (`04:00` … `20:00`) of weather forecasts, each may be null.
 *
 * The schemas are tolerant where the real API is loose (checked against two real 2022 reports in
 * `test/fixtures/tado/`): enums are open (unknown strings are accepted and typed as `string`),
 * timestamps are any ISO 8601 instant with or without milliseconds, objects keep unknown keys,
 * and the fields the API is known to omit or null are optional/nullable.
 * Timestamps stay strings (as the API sends them); use {@link parseTadoTimestamp} for a `Date`.
 */
import { z } from 'zod';
import { TadoSchemaError, type TadoSchemaIssue } from './errors.js';

// ---------------------------------------------------------------------------------------------
// Building blocks

/** ISO 8601 instant with a zone: `2022-08-14T22:58:41.793Z`, `2025-01-10T21:00:00Z`, `…+01:00`. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$/;

/** An ISO 8601 instant string (tolerant: optional seconds/fraction, `Z` or an offset). */
export const isoTimestampSchema = z
  .string()
  .regex(ISO_INSTANT, 'expected an ISO 8601 timestamp with a zone, e.g. 2022-08-14T22:45:00.000Z')
  .refine((s) => Number.isFinite(Date.parse(s)), 'expected a valid date and time');

/** Parses a timestamp accepted by {@link isoTimestampSchema} into a `Date` (UTC instant). */
export function parseTadoTimestamp(s: string): Date {
  return new Date(s);
}

/**
 * An open enum: the known values are listed for editors and docs, any other string is accepted
 * (tado adds values without notice, see tado-api.md §7).
 */
function openEnum<const T extends readonly string[]>(
  _known: T,
): z.ZodType<T[number] | (string & {}), string> {
  return z.string();
}

/** A temperature as tado sends it, in both units. */
export const temperatureSchema = z.looseObject({
  /** °C */
  celsius: z.number(),
  /** °F */
  fahrenheit: z.number(),
});
/** `{celsius, fahrenheit}`. */
export type Temperature = z.infer<typeof temperatureSchema>;

/** Zone types. */
export const ZONE_TYPES = ['HEATING', 'HOT_WATER', 'AIR_CONDITIONING'] as const;
/** `HEATING | HOT_WATER | AIR_CONDITIONING` (open). */
export const zoneTypeSchema = openEnum(ZONE_TYPES);
/** A zone type. */
export type ZoneType = z.infer<typeof zoneTypeSchema>;

/** `callForHeat` levels. */
export const CALL_FOR_HEAT_VALUES = ['NONE', 'LOW', 'MEDIUM', 'HIGH'] as const;
/** A `callForHeat` level (open). */
export type CallForHeat = (typeof CALL_FOR_HEAT_VALUES)[number] | (string & {});

/** `stripeType` values. */
export const STRIPE_TYPES = [
  'HOME',
  'AWAY',
  'OVERLAY_ACTIVE',
  'OPEN_WINDOW_DETECTED',
  'MEASURING_DEVICE_DISCONNECTED',
] as const;

/** Weather `state` values seen so far (open set). */
export const WEATHER_STATES = [
  'SUN',
  'CLOUDY',
  'CLOUDY_MOSTLY',
  'CLOUDY_PARTLY',
  'DRIZZLE',
  'FOGGY',
  'NIGHT_CLEAR',
  'NIGHT_CLOUDY',
  'RAIN',
  'SCATTERED_RAIN',
  'SCATTERED_RAIN_SNOW',
  'SCATTERED_SNOW',
  'SNOW',
  'THUNDERSTORM',
] as const;

/** AC modes (`settings[].value.mode` of an AIR_CONDITIONING zone; tado's OpenAPI `AirConditioningMode`). */
export const AC_MODES = ['COOL', 'HEAT', 'DRY', 'FAN', 'AUTO'] as const;

/**
 * A zone setting (`settings` values, `stripes[].value.setting`). `temperature` is null when
 * `power` is `OFF`. AIR_CONDITIONING settings (`valueType: airConditioningSetting`) add `mode`
 * (`COOL`/`HEAT`/`DRY`/`FAN`/`AUTO`), `fanLevel` (`AUTO`, `LEVEL1`…`LEVEL5`, `SILENT`; older
 * units send `fanSpeed`: `AUTO`/`LOW`/`MIDDLE`/`HIGH`), `verticalSwing` / `horizontalSwing`
 * (`OFF`, `ON`, `UP`, `MID`, …; older units one `swing`) and `light`; `temperature` is absent
 * in the modes without a setpoint (FAN, DRY, often AUTO). Source: tado's community OpenAPI
 * description (kritsel/tado-openapispec-v2: `ZoneSetting`, `AirConditioningZoneSettingsBase`,
 * `FanLevel`, `VerticalSwing`, `HorizontalSwing`) and the Home Assistant tado integration
 * (`fanSpeed` legacy, `fanLevel`, `TADO_MODES_WITH_NO_TEMP_SETTING`). All open enums, optional.
 */
export const zoneSettingSchema = z.looseObject({
  type: zoneTypeSchema,
  power: openEnum(['ON', 'OFF'] as const),
  temperature: temperatureSchema.nullable().optional(),
  mode: openEnum(AC_MODES).nullable().optional(),
  fanLevel: z.string().nullable().optional(),
  fanSpeed: z.string().nullable().optional(),
  verticalSwing: z.string().nullable().optional(),
  horizontalSwing: z.string().nullable().optional(),
  swing: z.string().nullable().optional(),
});
/** A zone setting. */
export type ZoneSetting = z.infer<typeof zoneSettingSchema>;

/** A weather condition: state and outdoor temperature. */
export const weatherConditionSchema = z.looseObject({
  state: openEnum(WEATHER_STATES),
  temperature: temperatureSchema,
});
/** A weather condition. */
export type WeatherCondition = z.infer<typeof weatherConditionSchema>;

/** One `{timestamp, value}` sample. */
function dataPoint<V extends z.ZodType>(value: V) {
  return z.looseObject({ timestamp: isoTimestampSchema, value });
}

/** One `{from, to, value}` interval. */
function dataInterval<V extends z.ZodType>(value: V) {
  return z.looseObject({ from: isoTimestampSchema, to: isoTimestampSchema, value });
}

/** A `dataIntervals` series of `value`. */
function intervalSeries<V extends z.ZodType>(value: V) {
  return z.looseObject({
    timeSeriesType: z.literal('dataIntervals'),
    valueType: z.string(),
    dataIntervals: z.array(dataInterval(value)),
  });
}

// ---------------------------------------------------------------------------------------------
// dayReport

/** `measuredData.insideTemperature`: 15-minute samples in °C/°F with the day's min and max. */
export const insideTemperatureSeriesSchema = z.looseObject({
  timeSeriesType: z.literal('dataPoints'),
  valueType: z.string(),
  min: temperatureSchema.nullable().optional(),
  max: temperatureSchema.nullable().optional(),
  dataPoints: z.array(dataPoint(temperatureSchema)),
});

/** `measuredData.humidity`: 15-minute samples as a fraction 0..1 (`percentageUnit: UNIT_INTERVAL`). */
export const humiditySeriesSchema = z.looseObject({
  timeSeriesType: z.literal('dataPoints'),
  valueType: z.string(),
  percentageUnit: z.string().optional(),
  min: z.number().nullable().optional(),
  max: z.number().nullable().optional(),
  dataPoints: z.array(dataPoint(z.number())),
});

/** `stripes` value: the mode band; `AWAY` has no `setting`. */
export const stripeValueSchema = z.looseObject({
  stripeType: openEnum(STRIPE_TYPES),
  setting: zoneSettingSchema.nullable().optional(),
});

/** The `weather` block of a day report. */
export const dayReportWeatherSchema = z.looseObject({
  /** Outdoor condition intervals (about every 15 min); `value` may be null (placeholder days, gaps). */
  condition: intervalSeries(weatherConditionSchema.nullable()),
  /** Whether the sun shone. */
  sunny: intervalSeries(z.boolean()),
  /** Forecast slots at local `04:00`, `08:00`, `12:00`, `16:00`, `20:00`; each may be null. */
  slots: z.looseObject({
    timeSeriesType: z.literal('slots'),
    valueType: z.string(),
    slots: z.record(z.string(), weatherConditionSchema.nullable()),
  }),
});

/**
 * A day report (`GET /homes/{homeId}/zones/{zoneId}/dayReport?date=`). Window: local midnight
 * −15 min to next local midnight +15 min, in UTC; today's report ends at the time of the request.
 */
export const dayReportSchema = z.looseObject({
  zoneType: zoneTypeSchema,
  /** The report window (UTC). */
  interval: z.looseObject({ from: isoTimestampSchema, to: isoTimestampSchema }),
  /** Hours of the local day: 24, or 23/25 on clock-change days. */
  hoursInDay: z.number().int().min(1).max(26),
  measuredData: z.looseObject({
    /** Whether the measuring device was connected; values inside `false` intervals are not to be trusted. */
    measuringDeviceConnected: intervalSeries(z.boolean()),
    insideTemperature: insideTemperatureSeriesSchema,
    humidity: humiditySeriesSchema,
  }),
  stripes: intervalSeries(stripeValueSchema),
  /** Setting intervals; may be absent. */
  settings: intervalSeries(zoneSettingSchema).optional(),
  /** Call-for-heat levels (HEATING zones; absent on AC). */
  callForHeat: intervalSeries(openEnum(CALL_FOR_HEAT_VALUES)).optional(),
  /**
   * AC activity (AIR_CONDITIONING zones only): `valueType: "power"`, intervals of `ON`/`OFF`, when
   * the unit was running (OpenAPI `PowerTimeSeries`; tado-api.md §5.1).
   */
  acActivity: intervalSeries(openEnum(['ON', 'OFF'] as const)).optional(),
  /** Hot-water production (some homes only). */
  hotWaterProduction: intervalSeries(z.boolean()).optional(),
  weather: dayReportWeatherSchema,
});
/** A parsed day report. */
export type DayReport = z.infer<typeof dayReportSchema>;
/** One `{timestamp, value}` inside-temperature sample. */
export type TemperatureDataPoint = DayReport['measuredData']['insideTemperature']['dataPoints'][number];
/** One `{timestamp, value}` humidity sample (fraction 0..1). */
export type HumidityDataPoint = DayReport['measuredData']['humidity']['dataPoints'][number];

// ---------------------------------------------------------------------------------------------
// zones, home, me, weather

/** A device of a zone; fields vary by hardware, so only the common ones are typed. */
export const deviceSchema = z.looseObject({
  deviceType: z.string(),
  serialNo: z.string(),
  shortSerialNo: z.string().optional(),
  currentFwVersion: z.string().optional(),
  connectionState: z.looseObject({ value: z.boolean(), timestamp: isoTimestampSchema.optional() }).optional(),
  batteryState: z.string().optional(),
});
/** A device. */
export type Device = z.infer<typeof deviceSchema>;

/** A zone of `GET /homes/{homeId}/zones`. `dateCreated` (local date) is the first day worth asking for. */
export const zoneSchema = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  type: zoneTypeSchema,
  dateCreated: isoTimestampSchema,
  deviceTypes: z.array(z.string()).optional(),
  devices: z.array(deviceSchema).optional(),
  reportAvailable: z.boolean().optional(),
});
/** A zone. */
export type Zone = z.infer<typeof zoneSchema>;
/** `GET /homes/{homeId}/zones`. */
export const zonesSchema = z.array(zoneSchema);

/** `GET /homes/{homeId}` (the fields the ETL uses; others kept). */
export const homeSchema = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  /** IANA zone, e.g. `Europe/London`: defines what a day is. */
  dateTimeZone: z.string().min(1),
  dateCreated: isoTimestampSchema.optional(),
  temperatureUnit: z.string().optional(),
  /** `PRE_LINE_X` or `LINE_X` (tado° X, whose zones are not on my.tado.com). */
  generation: z.string().optional(),
  zonesCount: z.number().int().optional(),
  skills: z.array(z.string()).optional(),
});
/** A home. */
export type Home = z.infer<typeof homeSchema>;

/** `GET /me`: the user and their homes (`homes[].id` is an integer, the user id a string). */
export const meSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  email: z.string().optional(),
  username: z.string().optional(),
  locale: z.string().optional(),
  homes: z.array(z.looseObject({ id: z.number().int(), name: z.string() })),
});
/** The signed-in user. */
export type Me = z.infer<typeof meSchema>;

/** `GET /homes/{homeId}/weather`: current outdoor weather. */
export const weatherSchema = z.looseObject({
  solarIntensity: z.looseObject({ type: z.string(), percentage: z.number(), timestamp: isoTimestampSchema }),
  outsideTemperature: temperatureSchema.extend({
    timestamp: isoTimestampSchema,
    type: z.string(),
    precision: temperatureSchema.optional(),
  }),
  weatherState: z.looseObject({
    type: z.string(),
    value: openEnum(WEATHER_STATES),
    timestamp: isoTimestampSchema,
  }),
});
/** Current weather. */
export type Weather = z.infer<typeof weatherSchema>;

// ---------------------------------------------------------------------------------------------
// login server and error bodies

/** `POST {auth}/device_authorize` response (RFC 8628 §3.2). */
export const deviceAuthorizeResponseSchema = z.looseObject({
  device_code: z.string().min(1),
  user_code: z.string().min(1),
  verification_uri: z.string().min(1),
  verification_uri_complete: z.string().min(1).optional(),
  /** seconds */
  expires_in: z.number().positive(),
  /** seconds between polls */
  interval: z.number().nonnegative().optional(),
});
/** Device authorization response. */
export type DeviceAuthorizeResponse = z.infer<typeof deviceAuthorizeResponseSchema>;

/** `POST {auth}/token` success response (device-code and refresh grants). */
export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  /** seconds (about 600) */
  expires_in: z.number().positive(),
  refresh_token: z.string().min(1),
  scope: z.string().optional(),
  userId: z.string().optional(),
});
/** Token response. */
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

/** OAuth error body of the login server: `{error, error_description, error_reason}`. */
export const oauthErrorBodySchema = z.looseObject({
  error: z.string(),
  error_description: z.string().optional(),
  error_reason: z.string().optional(),
});
/** OAuth error body. */
export type OAuthErrorBody = z.infer<typeof oauthErrorBodySchema>;

/** my.tado.com error body: `{"errors":[{"code","title"}]}`; 422 entries may add `zoneType`. */
export const apiErrorBodySchema = z.looseObject({
  errors: z.array(
    z.looseObject({
      code: z.string(),
      title: z.string().optional(),
      zoneType: z.string().optional(),
    }),
  ),
});
/** API error body. */
export type ApiErrorBody = z.infer<typeof apiErrorBodySchema>;

// ---------------------------------------------------------------------------------------------
// parsing with a readable error

/** Formats a zod path as `a.b[3].c` (`(root)` when empty). */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const s = String(seg);
      out += /^[A-Za-z_$][\w$]*$/.test(s) ? (out === '' ? s : `.${s}`) : `[${JSON.stringify(s)}]`;
    }
  }
  return out === '' ? '(root)' : out;
}

/**
 * Validates `data` against `schema` and returns the typed value.
 * @param what - the endpoint or file, used in the error (e.g. `GET /homes/1/zones`)
 * @throws TadoSchemaError naming `what`, the JSON path of each issue and what was expected there
 */
export function parseWithPath<S extends z.ZodType>(schema: S, data: unknown, what: string): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues: TadoSchemaIssue[] = result.error.issues.map((i) => ({
    path: formatJsonPath(i.path),
    expected: i.message,
  }));
  throw new TadoSchemaError(what, issues);
}
