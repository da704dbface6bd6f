/**
 * What every command needs: the validated configuration, a logger and, lazily, a runtime.
 */
import { MAX_BODY_DEPTH, nestsDeeperThan } from '../core/json-depth.js';
import { loadConfig, type HeatflowConfig } from '../config/config.js';
import { HeatflowError } from '../core/errors.js';
import { RunConfError } from '../core/run-conf.js';
import { parseDagDate } from '../core/timetable.js';
import type { Dag } from '../core/types.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { openRuntime, type Runtime } from '../runtime/runtime.js';

/** Thrown by commands for a one-line failure with an exit code. */
export class CliError extends HeatflowError {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super('CLI', message);
  }
}

/** Configuration and logger of this invocation. */
export function cliSetup(name: string): { config: HeatflowConfig; logger: Logger } {
  const config = loadConfig();
  const logger = createLogger({
    level: config.HEATFLOW_LOG_LEVEL,
    ...(config.HEATFLOW_LOG_FORMAT === undefined ? {} : { format: config.HEATFLOW_LOG_FORMAT }),
    name,
  });
  return { config, logger };
}

/** Runs `fn` with an open runtime and closes it afterwards. */
export async function withRuntime<T>(
  name: string,
  fn: (rt: Runtime) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  const { config, logger } = cliSetup(name);
  const rt = await openRuntime(config, logger, options);
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

/**
 * The DAG with this id from the DAG folder.
 * @throws CliError naming the DAG and listing the known ones (and import errors)
 */
export async function requireDag(rt: Runtime, dagId: string): Promise<Dag> {
  const bag = await rt.registry.refresh();
  const found = bag.dags.get(dagId);
  if (found !== undefined) return found.dag;
  const known = [...bag.dags.keys()].sort().join(', ') || '(none)';
  const errors =
    bag.importErrors.length > 0
      ? `; import errors: ${bag.importErrors.map((e) => `${e.file}: ${e.error}`).join('; ')}`
      : '';
  throw new CliError(`DAG "${dagId}" not found in ${rt.config.HEATFLOW_DAGS_DIR} (known: ${known}${errors})`);
}

/**
 * Parses a date option in a time zone (`YYYY-MM-DD` or ISO 8601; a date means the start of that
 * day, or its end with `endOfDay`). @throws CliError naming the option and the value's problem
 */
export function parseDateOption(option: string, value: string, timezone: string, endOfDay: boolean): Date {
  try {
    return parseDagDate(value, timezone, endOfDay);
  } catch (err) {
    throw new CliError(`${option}: ${(err as Error).message}`);
  }
}

/**
 * Parses the `--start-date` / `--end-date` options of a command in the DAG's time zone (a date
 * means the start of that day for the start, its end for the end); either may be absent.
 * @throws CliError naming the option and its value, or both when the end is before the start
 */
export function parseDateRange<S extends string | undefined, E extends string | undefined>(
  dag: Pick<Dag, 'timezone'>,
  startDate: S,
  endDate: E,
): { from: S extends string ? Date : Date | undefined; to: E extends string ? Date : Date | undefined } {
  const parse = (option: string, value: string | undefined, endOfDay: boolean): Date | undefined =>
    value === undefined ? undefined : parseDateOption(option, value, dag.timezone, endOfDay);
  const from = parse('--start-date', startDate, false);
  const to = parse('--end-date', endDate, true);
  if (from !== undefined && to !== undefined && to.getTime() < from.getTime())
    throw new CliError(`--end-date ${endDate ?? ''} is before --start-date ${startDate ?? ''}`);
  return { from, to } as {
    from: S extends string ? Date : Date | undefined;
    to: E extends string ? Date : Date | undefined;
  };
}

/** Parses a JSON object option. @throws CliError naming the option */
export function parseJsonObject(option: string, value: string | undefined): Record<string, unknown> {
  if (value === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw new CliError(`${option} is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new CliError(`${option} must be a JSON object`);
  // as the web server's request bodies: deeper JSON would overflow the checks' recursion
  if (nestsDeeperThan(parsed, MAX_BODY_DEPTH))
    throw new CliError(`${option} nests deeper than ${MAX_BODY_DEPTH} levels of objects and arrays`);
  return parsed as Record<string, unknown>;
}

/**
 * Runs a service call that takes a run conf; a conf the DAG refuses becomes a CliError naming the
 * option it came from, e.g. `--conf: DAG "heating_analytics": conf key "dates[1]": …`.
 */
export async function withConfOption<T>(option: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RunConfError) throw new CliError(`${option}: ${err.message}`);
    throw err;
  }
}

/**
 * A web server's listen error as a one-line CliError naming the port and where it came from
 * (`--port` or HEATFLOW_WEB_PORT) when the port is taken or not allowed; other errors unchanged.
 */
export function listenError(err: unknown, port: number, source: string): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === 'EADDRINUSE')
    return new CliError(
      `port ${port} (${source}) is in use; choose a free port with --port or HEATFLOW_WEB_PORT`,
    );
  if (code === 'EACCES')
    return new CliError(`port ${port} (${source}) needs privileges to listen on; choose a port above 1023`);
  return err;
}

/** Parses a TCP port option (1..65535). @throws CliError naming the option */
export function parsePort(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535)
    throw new CliError(`${option} must be a port number from 1 to 65535, got "${value}"`);
  return n;
}

/** Parses a positive integer option. @throws CliError naming the option */
export function parsePositiveInt(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`${option} must be a positive integer, got "${value}"`);
  return n;
}
