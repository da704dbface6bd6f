import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { allowedHosts, checkHost, parseAllowedHostList } from '../../src/core/host-check.js';

describe('allowed Host headers (DNS rebinding)', () => {
  it('accepts IP addresses whatever the list, localhost, the bind name and the listed names', () => {
    const allowed = allowedHosts('heatflow-web', ['heatflow.lan']);
    for (const host of [
      '127.0.0.1',
      '127.0.0.1:8080',
      '10.1.2.3:80',
      '[::1]:8080',
      '[fe80::1]',
      'localhost',
      'LocalHost.:8080',
      'heatflow-web:8080',
      'heatflow.lan',
    ])
      expect({ host, ok: checkHost(host, allowed).ok }).toEqual({ host, ok: true });
  });

  it('refuses other names, subdomains, malformed values and a missing header, saying why', () => {
    const allowed = allowedHosts('0.0.0.0', ['heatflow.lan']);
    for (const host of ['evil.example', 'a.heatflow.lan', 'localhost.evil.example:8080', '0.0.0.0.nip.io'])
      expect(checkHost(host, allowed)).toEqual({
        ok: false,
        reason: `Host ${JSON.stringify(host)} is not a name this server answers to (DNS rebinding protection); use an IP address or localhost, or add the name to HEATFLOW_WEB_ALLOWED_HOSTS`,
      });
    expect(checkHost('evil@127.0.0.1', allowed)).toEqual({
      ok: false,
      reason: 'Host "evil@127.0.0.1" is not a host name',
    });
    expect(checkHost('[::1', allowed).ok).toBe(false);
    expect(checkHost('localhost:99999999', allowed).ok).toBe(false);
    expect(checkHost(undefined, allowed)).toEqual({ ok: false, reason: 'the request has no Host header' });
    const long = checkHost(`${'a'.repeat(300)}.example`, allowed);
    expect(long.ok === false && long.reason.length).toBeLessThan(300);
  });

  it('"*" accepts any Host', () => {
    expect(checkHost('evil.example', allowedHosts('127.0.0.1', ['*'])).ok).toBe(true);
    expect(checkHost(undefined, allowedHosts('127.0.0.1', ['*'])).ok).toBe(true);
  });

  it('parses HEATFLOW_WEB_ALLOWED_HOSTS and names the variable and entry at fault', () => {
    expect(parseAllowedHostList(' Heatflow.LAN , ,build-box.,*')).toEqual(['heatflow.lan', 'build-box', '*']);
    expect(loadConfig({}).HEATFLOW_WEB_ALLOWED_HOSTS).toEqual([]);
    expect(loadConfig({ HEATFLOW_WEB_ALLOWED_HOSTS: 'a.lan,b.lan' }).HEATFLOW_WEB_ALLOWED_HOSTS).toEqual([
      'a.lan',
      'b.lan',
    ]);
    for (const bad of ['http://heatflow.lan', 'heatflow.lan:8080', 'heat flow', 'a/b']) {
      const message = (() => {
        try {
          loadConfig({ HEATFLOW_WEB_ALLOWED_HOSTS: `ok.lan,${bad}` });
          return 'no error';
        } catch (err) {
          return (err as Error).message;
        }
      })();
      expect(message).toContain('HEATFLOW_WEB_ALLOWED_HOSTS');
      expect(message).toContain(`${JSON.stringify(bad)} is not a host name`);
    }
  });
});
