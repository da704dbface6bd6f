/**
 * Every setting with the value in effect and where it came from, secrets masked: what
 * `heatflow config list` prints and `GET /api/v1/config` returns (Airflow's `config list` and
 * `/config` group options in sections; so does this). The orchestrator's settings, then the
 * tado° client's (`TADO_*`, `HEATFLOW_CONN_TADO`), then those the DAG files read (`TADO_ETL_*`,
 * `HEATING_ANALYTICS_*`). A default computed from other settings is shown with its value and
 * the settings it came from (`derived`). Pure.
 */
import { TADO_CONFIG_VARIABLES, type TadoConfig } from '../tado/tado-config.js';
import { TADO_CONNECTION_ENV, tadoSettingsFromConnection } from '../tado/tado-connection.js';
import { CONFIG_VARIABLES, deploymentIdOf, type HeatflowConfig } from './config.js';
import {
  DAG_FILE_SETTINGS,
  HEATING_ANALYTICS_TIMEZONE,
  heatingAnalyticsTimeZone,
} from './dag-file-settings.js';
import { isSecretVariable, maskUrlPassword } from './mask-secret.js';

/** Where a setting's value came from: the environment, or the built-in default (or unset). */
export type SettingSource =
  /** set in the environment */
  | 'env'
  /** not set: the default (or no value) applies */
  | 'default'
  /** not set: the value is computed from the settings in `derivedFrom` */
  | 'derived';

/** One setting as shown to users. */
export interface SettingEntry {
  /** Airflow-style section: `database`, `redis`, `core`, `logging`, `scheduler`, `worker`, `webserver`, `docker` */
  readonly section: string;
  /** the environment variable, e.g. `DATABASE_URL` */
  readonly key: string;
  /** the value in effect as text, secrets masked (`***`); empty when unset */
  readonly value: string;
  readonly source: SettingSource;
  /** with source `derived`: the settings the value was computed from */
  readonly derivedFrom?: readonly string[];
}

/** What a secret variable's value is shown as (Airflow shows `< hidden >`). */
export const HIDDEN_VALUE = '***';

const SECTIONS: readonly (readonly [RegExp, string])[] = [
  [/^DATABASE_URL$/, 'database'],
  [/^(REDIS_URL|HEATFLOW_REDIS_PREFIX)$/, 'redis'],
  [/^HEATFLOW_LOG_(LEVEL|FORMAT)$/, 'logging'],
  [/^HEATFLOW_(SCHEDULER|ZOMBIE|QUEUED)_/, 'scheduler'],
  [/^HEATFLOW_(WORKER|HEARTBEAT)_/, 'worker'],
  [/^HEATFLOW_WEB_/, 'webserver'],
  [/^HEATFLOW_(DOCKER|TASK_IMAGE)/, 'docker'],
  [/^TADO_ETL_/, 'tado_etl'],
  [/^HEATING_ANALYTICS_/, 'heating_analytics'],
  [/^(TADO_|HEATFLOW_CONN_TADO$)/, 'tado'],
];

/** The section of a setting (`core` when no other fits). */
export function sectionOf(key: string): string {
  return SECTIONS.find(([re]) => re.test(key))?.[1] ?? 'core';
}

/** A value as text: lists comma-separated, absent as empty, connection-string passwords masked. */
function display(key: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (isSecretVariable(key)) return HIDDEN_VALUE;
  const text = Array.isArray(value)
    ? value.map(String).join(',')
    : typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : (JSON.stringify(value) ?? '');
  return maskUrlPassword(text);
}

const isSet = (env: NodeJS.ProcessEnv, key: string): boolean => env[key] !== undefined && env[key] !== '';

/**
 * Every setting: those of {@link CONFIG_VARIABLES} in that order, then the tado° client's, then the
 * DAG files' ({@link DAG_FILE_SETTINGS}).
 * @param config - the loaded configuration (its values are the ones in effect, paths absolute)
 * @param env - the environment it was loaded from, to tell `env` from `default`; an empty string
 *   counts as unset, as the loader reads it
 * @param tado - the tado° client settings loaded from `env` (`loadTadoConfig`), with the
 *   `HEATFLOW_CONN_TADO` connection laid over them when `env` has one
 */
export function listSettings(
  config: HeatflowConfig,
  env: NodeJS.ProcessEnv,
  tado: TadoConfig,
): SettingEntry[] {
  const values = config as unknown as Readonly<Record<string, unknown>>;
  const entry = (key: string, value: unknown, derivedFrom?: readonly string[]): SettingEntry => ({
    section: sectionOf(key),
    key,
    value: display(key, value),
    ...(isSet(env, key) || derivedFrom === undefined
      ? { source: isSet(env, key) ? ('env' as const) : ('default' as const) }
      : { source: 'derived' as const, derivedFrom }),
  });
  const orchestrator = CONFIG_VARIABLES.map((key) =>
    key === 'HEATFLOW_DEPLOYMENT_ID'
      ? entry(key, deploymentIdOf(config), ['DATABASE_URL', 'HEATFLOW_REDIS_PREFIX'])
      : entry(key, values[key]),
  );
  const conn = env[TADO_CONNECTION_ENV]?.trim() ?? '';
  // loadTadoConfig parsed it already (a bad one threw): here only to say which settings it gives
  const fromConnection = conn === '' ? {} : tadoSettingsFromConnection(conn);
  const tadoValues = tado as unknown as Readonly<Record<string, unknown>>;
  const client = TADO_CONFIG_VARIABLES.map((key) =>
    key in fromConnection
      ? { ...entry(key, tadoValues[key]), source: 'derived' as const, derivedFrom: [TADO_CONNECTION_ENV] }
      : entry(key, tadoValues[key]),
  );
  const dagFiles = DAG_FILE_SETTINGS.map((s) => {
    if (s.key !== HEATING_ANALYTICS_TIMEZONE)
      return entry(s.key, isSet(env, s.key) ? env[s.key] : s.defaultValue);
    const zone = heatingAnalyticsTimeZone(env);
    return entry(s.key, zone.timeZone, zone.from === undefined ? undefined : [zone.from]);
  });
  return [
    ...orchestrator,
    ...client,
    entry(TADO_CONNECTION_ENV, conn === '' ? undefined : conn),
    ...dagFiles,
  ];
}

/** One option of a section in {@link ConfigSections}. */
export interface ConfigOption {
  readonly key: string;
  readonly value: string;
  readonly source: SettingSource;
  /** with source `derived`: the settings the value was computed from */
  readonly derived_from?: readonly string[];
}

/** Airflow's `/config` shape: `{sections: [{name, options: [{key, value}]}]}`, sections in first-seen order. */
export interface ConfigSections {
  readonly sections: readonly { readonly name: string; readonly options: readonly ConfigOption[] }[];
}

/** An entry as printed in JSON (`config list -o json`, `/config`): snake_case, `derived_from` only when derived. */
export function toConfigOption(e: SettingEntry): ConfigOption {
  return {
    key: e.key,
    value: e.value,
    source: e.source,
    ...(e.derivedFrom === undefined ? {} : { derived_from: e.derivedFrom }),
  };
}

/** Groups entries by section (Airflow's `/config` body). */
export function toConfigSections(entries: readonly SettingEntry[]): ConfigSections {
  const bySection = new Map<string, ConfigOption[]>();
  for (const e of entries) {
    const list = bySection.get(e.section) ?? [];
    list.push(toConfigOption(e));
    bySection.set(e.section, list);
  }
  return { sections: [...bySection].map(([name, options]) => ({ name, options })) };
}

/** The source column of `config list`'s table: `env`, `default`, or `derived (A, B)`. */
export function sourceText(e: SettingEntry): string {
  return e.derivedFrom === undefined ? e.source : `${e.source} (${e.derivedFrom.join(', ')})`;
}
