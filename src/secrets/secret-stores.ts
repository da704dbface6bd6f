/**
 * The variable and connection stores of a process, built from its configuration: one cipher
 * (HEATFLOW_FERNET_KEY) shared by both.
 */
import type { Kysely } from 'kysely';
import type { HeatflowConfig } from '../config/config.js';
import { ConnectionService } from '../connections/connection-service.js';
import type { Database } from '../db/database.js';
import { VariableService } from '../variables/variable-service.js';
import { SecretCipher } from './secret-cipher.js';

/** Both stores and their cipher. */
export interface SecretStores {
  readonly cipher: SecretCipher;
  readonly variables: VariableService;
  readonly connections: ConnectionService;
}

/**
 * The stores over `db`, keyed by `config.HEATFLOW_FERNET_KEY`.
 * @throws FernetKeyError when the key setting is malformed
 */
export function secretStores(
  db: Kysely<Database>,
  config: Pick<HeatflowConfig, 'HEATFLOW_FERNET_KEY'>,
): SecretStores {
  const cipher = new SecretCipher(config.HEATFLOW_FERNET_KEY);
  return {
    cipher,
    variables: new VariableService(db, cipher),
    connections: new ConnectionService(db, cipher),
  };
}
