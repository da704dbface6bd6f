/**
 * The loud "no HEATFLOW_FERNET_KEY" warning, printed once per process: `demo` and `standalone`
 * start a scheduler and a worker in one process, and each used to print it.
 */
import type { Logger } from 'pino';
import { NO_FERNET_KEY_WARNING, SecretCipher } from './secret-cipher.js';

let warned = false;

/**
 * Logs {@link NO_FERNET_KEY_WARNING} at warn level unless this process already did.
 * @returns whether it logged now
 */
export function warnNoFernetKeyOnce(logger: Pick<Logger, 'warn'>): boolean {
  if (warned) return false;
  warned = true;
  logger.warn(NO_FERNET_KEY_WARNING);
  return true;
}

/**
 * What `heatflow info` shows of encryption at rest: the cipher and key count, or that secrets are
 * stored unencrypted, or why the key setting is invalid.
 */
export function encryptionStatus(keySetting: string | undefined): {
  readonly encrypted: boolean;
  readonly text: string;
} {
  try {
    const c = new SecretCipher(keySetting);
    return c.enabled
      ? { encrypted: true, text: `AES-256-GCM (${c.keyCount} key${c.keyCount === 1 ? '' : 's'})` }
      : {
          encrypted: false,
          text: 'OFF: variables and connection passwords are stored UNENCRYPTED (set HEATFLOW_FERNET_KEY)',
        };
  } catch (err) {
    return { encrypted: false, text: `invalid: ${(err as Error).message}` };
  }
}
