/**
 * The one-line message the `heatflow` command prints for a failure, with a hint of what to do
 * when the database is missing or not migrated (Postgres `3D000` database does not exist, `3F000`
 * schema does not exist, `42P01` relation does not exist, anywhere in the error's `cause` chain):
 * `… ; run \`heatflow db migrate\``. Pure.
 */

/** Postgres error codes that mean "the database or its tables are not there yet". */
const NOT_MIGRATED_CODES: ReadonlySet<string> = new Set(['3D000', '3F000', '42P01']);

/** The hint appended to a not-migrated database's error. */
export const MIGRATE_HINT = 'run `heatflow db migrate` (creates the database and its tables)';

/**
 * The Postgres code of an error or of one of its causes saying the database or a table is
 * missing (`3D000`, `3F000`, `42P01`), or undefined.
 */
export function notMigratedCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_MIGRATED_CODES.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The first line of an error's message, with the migrate hint when the database is not migrated
 * (and the message does not say so already).
 */
export function cliErrorLine(err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  const code = notMigratedCode(err);
  if (code === undefined || message.includes('heatflow db migrate')) return message;
  return `${message}${code === '3D000' ? '' : ': the database is not migrated'}; ${MIGRATE_HINT}`;
}
