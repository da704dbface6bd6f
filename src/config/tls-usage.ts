/**
 * Whether a task program will open TLS connections, judged from the settings it is given: a
 * program that opens none does not need `NODE_EXTRA_CA_CERTS`, which Node.js otherwise parses at
 * every start (about 60 ms of CPU per process where the variable names a CA bundle,
 * docs/benchmarks.md). When in doubt, the answer is "TLS".
 */

/** Query parameters with which node-postgres (pg-connection-string) turns TLS on. */
const PG_TLS_PARAMS = ['ssl', 'sslcert', 'sslkey', 'sslrootcert'] as const;

/**
 * Whether the tado° client talks TLS: unless both `TADO_API_URL` and `TADO_AUTH_URL` are set to
 * plain `http://` URLs (the built-in simulator), it does (the defaults are https).
 */
export function tadoUsesTls(env: NodeJS.ProcessEnv): boolean {
  return !['TADO_API_URL', 'TADO_AUTH_URL'].every((name) => (env[name] ?? '').startsWith('http://'));
}

/**
 * Whether node-postgres opens a TLS connection for `databaseUrl`: when the URL carries `sslmode`
 * other than `disable` or any of `ssl`, `sslcert`, `sslkey`, `sslrootcert`; without those, when
 * `PGSSLMODE` is set to anything but `disable` (node-postgres's ConnectionParameters reads it then).
 * An empty or missing URL (the load task's default, which has no parameters) is judged by
 * `PGSSLMODE` alone; a URL that does not parse counts as TLS.
 */
export function databaseUsesTls(databaseUrl: string | undefined, env: NodeJS.ProcessEnv): boolean {
  let params = new URLSearchParams();
  if (databaseUrl !== undefined && databaseUrl !== '') {
    try {
      params = new URL(databaseUrl).searchParams;
    } catch {
      return true;
    }
  }
  const sslmode = params.get('sslmode');
  if (sslmode !== null) return sslmode !== 'disable';
  if (PG_TLS_PARAMS.some((p) => params.has(p))) return true;
  const fromEnv = env.PGSSLMODE ?? '';
  return fromEnv !== '' && fromEnv !== 'disable';
}
