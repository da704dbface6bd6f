/**
 * pino logger: JSON lines by default, readable on a terminal, secrets redacted.
 */
import { pino, type Logger } from 'pino';

/** Paths pino replaces with `[redacted]` wherever they appear in a log record. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'access_token',
  '*.access_token',
  'refreshToken',
  '*.refreshToken',
  'refresh_token',
  '*.refresh_token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'HEATFLOW_WEB_TOKEN',
  '*.HEATFLOW_WEB_TOKEN',
];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** pino level; `@defaultValue 'info'` */
  level?: string;
  /** `json` or `pretty`; `@defaultValue` pretty when stderr is a TTY */
  format?: 'json' | 'pretty';
  /** name shown in each record, e.g. `scheduler` */
  name?: string;
}

/** Creates the process logger (writes to stderr so stdout stays for command output). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const base = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(options.name === undefined ? {} : { name: options.name }),
  };
  if (format === 'pretty') {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss.l' },
      },
    });
  }
  return pino(base, pino.destination(2));
}

export type { Logger };
