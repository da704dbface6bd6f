/**
 * The command's one-line failure message: the `heatflow db migrate` hint when Postgres says the
 * database, a schema or a table is missing, found through the error's cause chain.
 */
import { describe, expect, it } from 'vitest';
import { cliErrorLine, notMigratedCode } from '../../src/cli/error-hint.js';

const pgError = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('cliErrorLine', () => {
  it('adds the migrate hint to a missing table, also when wrapped', () => {
    const missing = pgError('relation "heatflow.dags" does not exist', '42P01');
    expect(cliErrorLine(missing)).toBe(
      'relation "heatflow.dags" does not exist: the database is not migrated; run `heatflow db migrate` (creates the database and its tables)',
    );
    const wrapped = new Error('cannot list DAGs', { cause: missing });
    expect(cliErrorLine(wrapped)).toMatch(
      /^cannot list DAGs: the database is not migrated; run `heatflow db migrate`/,
    );
    expect(notMigratedCode(pgError('schema "analytics" does not exist', '3F000'))).toBe('3F000');
  });

  it('says only what to run for a database that does not exist', () => {
    const e = new Error('cannot use Postgres at … (DATABASE_URL): database "x" does not exist', {
      cause: pgError('database "x" does not exist', '3D000'),
    });
    expect(cliErrorLine(e)).toBe(
      'cannot use Postgres at … (DATABASE_URL): database "x" does not exist; run `heatflow db migrate` (creates the database and its tables)',
    );
  });

  it('leaves other errors, and messages that give the hint already, as they are (first line only)', () => {
    expect(cliErrorLine(pgError('duplicate key\ndetail', '23505'))).toBe('duplicate key');
    expect(cliErrorLine(pgError('schema analytics is missing: run `heatflow db migrate`', '3F000'))).toBe(
      'schema analytics is missing: run `heatflow db migrate`',
    );
    expect(cliErrorLine('plain')).toBe('plain');
  });
});
