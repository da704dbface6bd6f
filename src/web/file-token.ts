/**
 * Airflow's `file_token` of a DAG file (`/dags/{dag_id}` `file_token`, the key of
 * `/dagSources/{file_token}`).
 */

/**
 * The `file_token` of a DAG file: its path as base64url. Airflow signs the path; heatflow needs
 * no secret because `/dagSources/{file_token}` only serves a path some DAG row records as its
 * `fileloc` (any other token is a 404), so a token cannot name another file.
 */
export function fileTokenOf(fileloc: string | null): string | null {
  return fileloc === null ? null : Buffer.from(fileloc, 'utf8').toString('base64url');
}

/** The path a file token names (not yet checked against the DAG rows). */
export function filelocOfToken(token: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const path = Buffer.from(token, 'base64url').toString('utf8');
  return fileTokenOf(path) === token ? path : undefined;
}
