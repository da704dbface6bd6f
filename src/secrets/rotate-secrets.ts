/**
 * Key rotation, as Airflow's `airflow rotate-fernet-key`: with `HEATFLOW_FERNET_KEY` set to
 * `new_key,old_key[,…]` (values are decrypted with any key, encrypted with the first), every
 * variable and every connection secret not yet under the first key is re-encrypted with it;
 * plain (unencrypted) values are encrypted too. Afterwards the old keys can be removed.
 *
 * All or nothing: one transaction, with both tables locked against writers, so a value no key
 * opens fails the rotation (naming it) and leaves every row as it was.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { FernetKeyError } from './secret-cipher.js';
import { secretStores } from './secret-stores.js';

/** What a rotation rewrote. */
export interface RotationResult {
  /** variables re-encrypted (or encrypted for the first time) */
  readonly variables: number;
  /** connections whose password or extra was re-encrypted */
  readonly connections: number;
  /** how many keys `HEATFLOW_FERNET_KEY` holds */
  readonly keyCount: number;
}

/**
 * Re-encrypts every stored secret with the first key of `keySetting`.
 * @param keySetting - `HEATFLOW_FERNET_KEY` (comma-separated keys, the new one first)
 * @throws FernetKeyError when no key is set (nothing to encrypt with) or a key is malformed;
 *   DecryptError naming the variable or connection no key opens (then
 *   nothing is changed)
 */
export async function rotateSecrets(
  db: Kysely<Database>,
  keySetting: string | undefined,
): Promise<RotationResult> {
  const probe = secretStores(db, { HEATFLOW_FERNET_KEY: keySetting });
  if (!probe.cipher.enabled)
    throw new FernetKeyError(
      'HEATFLOW_FERNET_KEY is not set: there is no key to encrypt with (set it to "new_key,old_key", then rotate)',
    );
  return db.transaction().execute(async (trx) => {
    // writers wait until the rotation commits; readers go on
    await sql`LOCK TABLE heatflow.variables, heatflow.connections IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
    const s = secretStores(trx, { HEATFLOW_FERNET_KEY: keySetting });
    return {
      variables: await s.variables.rotate(),
      connections: await s.connections.rotate(),
      keyCount: s.cipher.keyCount,
    };
  });
}
