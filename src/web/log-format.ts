/**
 * Try logs as readable lines: each pino JSON line (`{"level":30,"time":…,"msg":…,…}`) becomes
 * its local time (in the DAG's time zone), level name and message, with its other fields folded
 * away; any other line is shown as it is. Pure: no I/O.
 */
import { html, type SafeHtml } from './html.js';

/** pino's level numbers → names (https://getpino.io/#/docs/api?id=levels). */
const LEVELS: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** One log line, parsed. */
export type LogLine =
  | {
      readonly kind: 'json';
      /** `YYYY-MM-DD HH:mm:ss.SSS` in the time zone asked for; empty without a `time` field */
      readonly time: string;
      /** `INFO`, `WARN`, …, or the level as written when it is not one of pino's */
      readonly level: string;
      readonly message: string;
      /** the other fields, each with its value as JSON, in the line's order */
      readonly fields: readonly (readonly [string, string])[];
    }
  | { readonly kind: 'text'; readonly text: string };

const formatters = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD HH:mm:ss.SSS` of an instant in a time zone. */
export function localTime(at: Date, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(at)) p[part.type] = part.value;
  const ms = String(at.getUTCMilliseconds()).padStart(3, '0');
  return `${p.year ?? ''}-${p.month ?? ''}-${p.day ?? ''} ${p.hour ?? ''}:${p.minute ?? ''}:${p.second ?? ''}.${ms}`;
}

/**
 * Parses one line of a log.
 * @param timeZone IANA zone the time is shown in (the DAG's)
 */
export function parseLogLine(line: string, timeZone: string): LogLine {
  const text = line.replace(/\r$/, '');
  if (!text.startsWith('{')) return { kind: 'text', text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'text', text };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { kind: 'text', text };
  const record = parsed as Record<string, unknown>;
  const { time, level, msg, ...rest } = record;
  const at = typeof time === 'number' || typeof time === 'string' ? new Date(time) : new Date(Number.NaN);
  return {
    kind: 'json',
    time: Number.isNaN(at.getTime()) ? '' : localTime(at, timeZone),
    level:
      typeof level === 'number'
        ? (LEVELS[level] ?? String(level))
        : typeof level === 'string'
          ? level.toUpperCase()
          : (JSON.stringify(level) ?? ''),
    message: typeof msg === 'string' ? msg : msg === undefined ? '' : JSON.stringify(msg),
    fields: Object.entries(rest).map(([k, v]) => [k, JSON.stringify(v) ?? 'undefined'] as const),
  };
}

/** CSS class of a level (`lvl-info`, …; `lvl-other` for the unknown). */
const levelClass = (level: string) =>
  Object.values(LEVELS).includes(level) ? `lvl-${level.toLowerCase()}` : 'lvl-other';

/**
 * The HTML of a chunk of log: one `div.log-line` per line (a final empty line left out), the JSON
 * fields of each in a closed `<details>`. Every text is escaped.
 */
export function logLinesHtml(content: string, timeZone: string): SafeHtml {
  const lines = content.split('\n');
  if (lines.at(-1) === '') lines.pop();
  // whitespace between these tags is not shown (.log-line is white-space: normal): only the
  // message and the text of a plain line keep theirs
  return html`${lines.map((line) => {
    const l = parseLogLine(line, timeZone);
    if (l.kind === 'text')
      return html`<div class="log-line log-text"><span class="log-msg">${l.text}</span></div>`;
    const time = l.time === '' ? '' : html`<span class="log-time">${l.time}</span>`;
    const level = l.level === '' ? '' : html`<span class="log-level">${l.level}</span>`;
    const fields =
      l.fields.length === 0
        ? ''
        : html`<details class="log-fields">
            <summary>${l.fields.length} field${l.fields.length === 1 ? '' : 's'}</summary>
            <pre>${l.fields.map(([k, v]) => `${k}: ${v}\n`).join('')}</pre>
          </details>`;
    return html`<div class="log-line ${levelClass(l.level)}">
      ${time} ${level}
      <span class="log-msg">${l.message}</span>${fields}
    </div>`;
  })}`;
}
