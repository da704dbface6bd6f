/**
 * Every orchestrator setting with the value in effect and where it came from, secrets masked: what
 * `heatflow config list` prints and `GET /api/v1/config` returns (Airflow's `config list` and
 * `/config` group options in sections; so does this). Pure.
 */
import { CONFIG_VARIABLES, type HeatflowConfig } from './config.js';
import { isSecretVariable, maskUrlPassword } from './mask-secret.js';

/** Where a setting's value came from: the environment, or the built-in default (or unset). */
export type SettingSource =
  /** set in the environment */
  | 'env'
  /** not set: the default (or no value) applies */
  | 'default';

/** One setting as shown to users. */
export interface SettingEntry {
  /** Airflow-style section: `database`, `redis`, `core`, `logging`, `scheduler`, `worker`, `webserver`, `docker` */
  readonly section: string;
  /** the environment variable, e.g. `DATABASE_URL` */
  readonly key: string;
  /** the value in effect as text, secrets masked (`***`); empty when unset */
  readonly value: string;
  readonly source: SettingSource;
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

/**
 * Every setting of {@link CONFIG_VARIABLES}, in that order.
 * @param config - the loaded configuration (its values are the ones in effect, paths absolute)
 * @param env - the environment it was loaded from, to tell `env` from `default`; an empty string
 *   counts as unset, as the loader reads it
 */
export function listSettings(config: HeatflowConfig, env: NodeJS.ProcessEnv): SettingEntry[] {
  const values = config as unknown as Readonly<Record<string, unknown>>;
  return CONFIG_VARIABLES.map((key) => ({
    section: sectionOf(key),
    key,
    value: display(key, values[key]),
    source: env[key] !== undefined && env[key] !== '' ? ('env' as const) : ('default' as const),
  }));
}

/** Airflow's `/config` shape: `{sections: [{name, options: [{key, value}]}]}`, sections in first-seen order. */
export interface ConfigSections {
  readonly sections: readonly {
    readonly name: string;
    readonly options: readonly {
      readonly key: string;
      readonly value: string;
      readonly source: SettingSource;
    }[];
  }[];
}

/** Groups entries by section (Airflow's `/config` body). */
export function toConfigSections(entries: readonly SettingEntry[]): ConfigSections {
  const bySection = new Map<string, { key: string; value: string; source: SettingSource }[]>();
  for (const e of entries) {
    const list = bySection.get(e.section) ?? [];
    list.push({ key: e.key, value: e.value, source: e.source });
    bySection.set(e.section, list);
  }
  return { sections: [...bySection].map(([name, options]) => ({ name, options })) };
}
