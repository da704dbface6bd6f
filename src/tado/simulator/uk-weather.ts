/**
 * A plausible outdoor climate for southern England as pure functions of time: seasonal and daily
 * temperature cycles, weather fronts (multi-day noise), cloud, rain, daylight, and the tado
 * weather state derived from them. Every value depends only on (seed, instant), so adjacent day
 * reports and all zones agree. Figures: London means ~5 °C in January, ~19 °C in July; day length
 * 7.8 h (December) to 16.6 h (June).
 */
import { hashUnit, valueNoise } from './seeded-random.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const YEAR = 365.2425 * DAY;
/** 2000-01-20T00:00Z: a reference coldest day of the year. */
const COLDEST_REF_MS = Date.UTC(2000, 0, 20);
/** 2000-06-21T12:00Z: a reference summer solstice. */
const SOLSTICE_REF_MS = Date.UTC(2000, 5, 21, 12);

/** Weather at one instant. */
export interface OutdoorWeather {
  /** Outdoor air temperature, °C. */
  readonly temperatureC: number;
  /** Cloud cover, fraction 0..1. */
  readonly cloudFraction: number;
  /** Precipitation intensity, 0 (dry) .. 1 (heavy). */
  readonly rainIntensity: number;
  /** Whether the sun is up (London). */
  readonly daylight: boolean;
  /** Sun strength on a clear sky, 0..1 (0 at night). */
  readonly solarFraction: number;
}

/** 0 in the coldest week, 1 in the warmest. */
export function summerness(tMs: number): number {
  return (1 - Math.cos((2 * Math.PI * (tMs - COLDEST_REF_MS)) / YEAR)) / 2;
}

/** Sunrise and sunset as UTC hours of the day (London, ignoring the equation of time). */
export function sunHoursUtc(tMs: number): { sunrise: number; sunset: number } {
  const dayLength = 12.2 + 4.4 * Math.cos((2 * Math.PI * (tMs - SOLSTICE_REF_MS)) / YEAR);
  const noon = 12.1;
  return { sunrise: noon - dayLength / 2, sunset: noon + dayLength / 2 };
}

function utcHour(tMs: number): number {
  return (((tMs % DAY) + DAY) % DAY) / HOUR;
}

/** Cloud cover 0..1 (wetter, cloudier winters). */
export function cloudAt(seed: number, tMs: number): number {
  const s = summerness(tMs);
  const base = 0.68 - 0.2 * s;
  const c = base + 0.35 * valueNoise(seed, 11, tMs, 9 * HOUR) + 0.15 * valueNoise(seed, 12, tMs, 2 * HOUR);
  return Math.min(1, Math.max(0, c));
}

/** Outdoor air temperature in °C. */
export function outdoorTemperatureC(seed: number, tMs: number): number {
  const s = summerness(tMs);
  const seasonal = 4.6 + 14.2 * s;
  const cloud = cloudAt(seed, tMs);
  const diurnalAmp = (2.2 + 3.3 * s) * (1 - 0.55 * cloud);
  const h = utcHour(tMs);
  const diurnal = diurnalAmp * Math.cos((2 * Math.PI * (h - 14.5)) / 24);
  const fronts =
    3.6 * valueNoise(seed, 1, tMs, 4 * DAY) +
    1.6 * valueNoise(seed, 2, tMs, 1.3 * DAY) +
    0.35 * valueNoise(seed, 3, tMs, 2 * HOUR);
  return seasonal + diurnal + fronts;
}

/** The whole weather at an instant. */
export function outdoorWeather(seed: number, tMs: number): OutdoorWeather {
  const cloud = cloudAt(seed, tMs);
  const wet = valueNoise(seed, 21, tMs, 5 * HOUR) * 0.6 + valueNoise(seed, 22, tMs, 31 * HOUR) * 0.4;
  const rainIntensity = cloud > 0.72 && wet > 0.18 ? Math.min(1, (wet - 0.18) * 2.2) : 0;
  const { sunrise, sunset } = sunHoursUtc(tMs);
  const h = utcHour(tMs);
  const daylight = h >= sunrise && h < sunset;
  const solarFraction = daylight
    ? Math.sin((Math.PI * (h - sunrise)) / (sunset - sunrise)) * (0.45 + 0.55 * summerness(tMs))
    : 0;
  return {
    temperatureC: outdoorTemperatureC(seed, tMs),
    cloudFraction: cloud,
    rainIntensity,
    daylight,
    solarFraction,
  };
}

/** The tado weather `state` for a weather (open set; see tado-api.md §5.3). */
export function weatherState(seed: number, tMs: number, w: OutdoorWeather): string {
  const t = w.temperatureC;
  if (w.rainIntensity > 0) {
    if (t < 0.5) return w.rainIntensity > 0.5 ? 'SNOW' : 'SCATTERED_SNOW';
    if (t < 2.5) return 'SCATTERED_RAIN_SNOW';
    if (w.rainIntensity > 0.75 && t > 19 && hashUnit(seed, 31, Math.floor(tMs / HOUR)) < 0.5)
      return 'THUNDERSTORM';
    if (w.rainIntensity > 0.45) return 'RAIN';
    return w.rainIntensity > 0.2 ? 'SCATTERED_RAIN' : 'DRIZZLE';
  }
  if (!w.daylight) return w.cloudFraction < 0.45 ? 'NIGHT_CLEAR' : 'NIGHT_CLOUDY';
  const h = utcHour(tMs);
  if (w.cloudFraction > 0.8 && t < 7 && h < 11) return 'FOGGY';
  if (w.cloudFraction < 0.25) return 'SUN';
  if (w.cloudFraction < 0.5) return 'CLOUDY_PARTLY';
  if (w.cloudFraction < 0.72) return 'CLOUDY_MOSTLY';
  return 'CLOUDY';
}

/** Whether tado would call the moment sunny: daylight, sun high enough, few clouds. */
export function isSunny(w: OutdoorWeather): boolean {
  return w.daylight && w.solarFraction > 0.25 && w.cloudFraction < 0.5 && w.rainIntensity === 0;
}

/** Saturation vapour pressure over water in hPa (Magnus formula). */
export function saturationVapourPressureHpa(temperatureC: number): number {
  return 6.112 * Math.exp((17.62 * temperatureC) / (243.12 + temperatureC));
}

/** Outdoor vapour pressure in hPa: dew point a few kelvin below the air, closer when cloudy/wet. */
export function outdoorVapourPressureHpa(w: OutdoorWeather): number {
  const spread = 1 + 5 * (1 - w.cloudFraction) * (1 - w.rainIntensity) + (w.daylight ? 1.5 : 0);
  return saturationVapourPressureHpa(w.temperatureC - spread);
}
