/**
 * Which variable keys and JSON fields are secrets, as Airflow decides it: a name containing one of
 * Airflow's sensitive words (`core.sensitive_var_conn_names` defaults, airflow/utils/log/
 * secrets_masker.py `DEFAULT_SENSITIVE_FIELDS`), case-insensitively.
 */

/** Airflow's `DEFAULT_SENSITIVE_FIELDS`. */
export const SENSITIVE_WORDS: readonly string[] = [
  'access_token',
  'api_key',
  'apikey',
  'authorization',
  'passphrase',
  'passwd',
  'password',
  'private_key',
  'secret',
  'token',
  'keyfile_dict',
  'service_account',
];

/**
 * Whether a variable key or a field name is sensitive (its value is masked).
 * @param name - e.g. `tado_api_token`, `Password`
 */
export function isSensitiveName(name: string): boolean {
  const n = name.toLowerCase();
  return SENSITIVE_WORDS.some((w) => n.includes(w));
}
