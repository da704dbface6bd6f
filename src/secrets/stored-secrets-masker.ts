/**
 * A masker of every secret held in the stores (sensitive variables' values, connection passwords,
 * sensitive extra fields), for what the web page and the API show of XComs: a task may have
 * returned a secret it was given, and Airflow masks XCom values on display the same way.
 */
import type { SecretStores } from './secret-stores.js';
import { SecretMasker } from './secret-masker.js';
import { isSensitiveName } from './sensitive.js';

/**
 * The masker. A variable or connection that cannot be decrypted is skipped, alone (what cannot be
 * read here cannot be matched either).
 */
export async function storedSecretsMasker(
  stores: Pick<SecretStores, 'variables' | 'connections'>,
): Promise<SecretMasker> {
  const m = new SecretMasker();
  // one that cannot be decrypted is skipped alone: the others are still masked
  const [{ readable: vars }, { readable: conns }] = await Promise.all([
    stores.variables.listReadable(),
    stores.connections.listReadable(),
  ]);
  for (const v of vars) if (v.isSensitive) m.add(v.value);
  for (const c of conns) {
    m.add(c.password);
    for (const [k, v] of Object.entries(c.extra ?? {}))
      if (isSensitiveName(k) && v !== null && v !== undefined)
        m.add(typeof v === 'string' ? v : JSON.stringify(v));
  }
  return m;
}
