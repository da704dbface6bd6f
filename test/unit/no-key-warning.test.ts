import { describe, expect, it, vi } from 'vitest';
import { encryptionStatus, warnNoFernetKeyOnce } from '../../src/secrets/no-key-warning.js';
import { generateFernetKey, NO_FERNET_KEY_WARNING } from '../../src/secrets/secret-cipher.js';

describe('the no-key warning', () => {
  it('is logged once per process, however many services start', () => {
    const lines: unknown[] = [];
    const logger = { warn: (m: unknown) => void lines.push(m) };
    // a scheduler and a worker in one process (demo, standalone) each ask
    warnNoFernetKeyOnce(logger);
    warnNoFernetKeyOnce(logger);
    expect(lines).toEqual([NO_FERNET_KEY_WARNING]);
  });

  it('printed as WARNING: text first (a command a person runs), it is not logged again', async () => {
    vi.resetModules(); // a fresh process: nothing warned yet
    const fresh = await import('../../src/secrets/no-key-warning.js');
    const printed: string[] = [];
    const logged: unknown[] = [];
    expect(fresh.printNoFernetKeyWarningOnce((l) => void printed.push(l))).toBe(true);
    expect(fresh.printNoFernetKeyWarningOnce((l) => void printed.push(l))).toBe(false);
    expect(fresh.warnNoFernetKeyOnce({ warn: (m: unknown) => void logged.push(m) })).toBe(false);
    expect(printed).toEqual([`WARNING: ${NO_FERNET_KEY_WARNING}\n`]);
    expect(logged).toEqual([]);
  });
});

describe('encryptionStatus (heatflow info)', () => {
  it('says secrets are unencrypted without a key, names the cipher and key count with keys', () => {
    const off = encryptionStatus(undefined);
    expect(off.encrypted).toBe(false);
    expect(off.text).toMatch(/UNENCRYPTED.*HEATFLOW_FERNET_KEY/);
    expect(encryptionStatus(`${generateFernetKey()},${generateFernetKey()}`)).toEqual({
      encrypted: true,
      text: 'AES-256-GCM (2 keys)',
    });
    expect(encryptionStatus('short').text).toMatch(/^invalid: HEATFLOW_FERNET_KEY: key 1 decodes to/);
  });
});
