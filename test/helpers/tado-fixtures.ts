/**
 * The real tado day reports in test/fixtures/tado/, and a builder of well-formed synthetic reports
 * for days no real fixture covers (clock changes, offline devices, placeholder data). The builder
 * starts from the real August report, so every field the API sends is present.
 */
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { dayReportSchema, parseWithPath, type DayReport } from '../../src/tado/schemas.js';

export const FIXTURES_DIR = new URL('../fixtures/tado/', import.meta.url);
/** 2022-08-15, Europe/London (BST), heating off, complete. */
export const SUMMER = 'dayreport-2022-08-15-summer-no-heating.json';
/** 2022-12-07, Europe/London (GMT), heating on, fetched before its window closed. */
export const WINTER = 'dayreport-2022-12-07-winter-heating-truncated.json';

/** The fixture's JSON as read from disk. */
export function readFixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(name, FIXTURES_DIR), 'utf8'));
}

/** The fixture parsed with the tado schema. */
export function loadFixture(name: string): DayReport {
  return parseWithPath(dayReportSchema, readFixture(name), name);
}

/** Options of {@link buildReport}. */
export interface BuildReportOptions {
  /** every point 20 °C / 0.5 (tado's placeholder) */
  placeholder?: boolean;
  /** `[fromIso, toIso)` spans with the measuring device disconnected */
  offline?: readonly [string, string][];
}

/**
 * A complete, well-formed report for `date` in `timeZone`: window local day ±15 min, points every
 * 15 min, one interval per series (split where `offline` says). Values vary smoothly.
 */
export function buildReport(date: string, timeZone: string, options: BuildReportOptions = {}): DayReport {
  const base = structuredClone(loadFixture(SUMMER));
  const start = DateTime.fromISO(date, { zone: timeZone });
  const dayStart = start.toMillis();
  const dayEnd = start.plus({ days: 1 }).toMillis();
  const from = new Date(dayStart - 900_000).toISOString();
  const to = new Date(dayEnd + 900_000).toISOString();
  const stamps: string[] = [];
  for (let t = dayStart - 900_000; t <= dayEnd + 900_000; t += 900_000)
    stamps.push(new Date(t).toISOString());
  const whole = <V>(value: V) => [{ from, to, value }];
  const md = base.measuredData;
  base.interval = { from, to };
  base.hoursInDay = Math.round((dayEnd - dayStart) / 3_600_000);
  md.insideTemperature.dataPoints = stamps.map((timestamp, i) => {
    const c = options.placeholder ? 20 : Math.round((19 + Math.sin(i / 10)) * 100) / 100;
    return { timestamp, value: { celsius: c, fahrenheit: Math.round((c * 1.8 + 32) * 100) / 100 } };
  });
  md.humidity.dataPoints = stamps.map((timestamp, i) => ({
    timestamp,
    value: options.placeholder ? 0.5 : Math.round((0.55 + 0.05 * Math.cos(i / 7)) * 1000) / 1000,
  }));
  const connected: { from: string; to: string; value: boolean }[] = [];
  let cursor = from;
  for (const [a, b] of options.offline ?? []) {
    if (a > cursor) connected.push({ from: cursor, to: a, value: true });
    connected.push({ from: a, to: b, value: false });
    cursor = b;
  }
  if (cursor < to) connected.push({ from: cursor, to, value: true });
  md.measuringDeviceConnected.dataIntervals = connected;
  const setting = base.settings?.dataIntervals[0]?.value;
  if (base.settings !== undefined && setting !== undefined) base.settings.dataIntervals = whole(setting);
  if (base.callForHeat !== undefined) base.callForHeat.dataIntervals = whole('NONE');
  const stripe = base.stripes.dataIntervals[0]?.value;
  if (stripe !== undefined) base.stripes.dataIntervals = whole(stripe);
  const cond = base.weather.condition.dataIntervals[0]?.value ?? null;
  base.weather.condition.dataIntervals = whole(cond);
  base.weather.sunny.dataIntervals = whole(false);
  return base;
}
