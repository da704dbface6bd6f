/**
 * The Variables / Connections form input (pure): each refusal names the form field at fault, empty
 * fields become null (the password: undefined, "keep"), and a connection's extra masked for its edit
 * form takes its stored secrets back when saved as shown.
 */
import { describe, expect, it } from 'vitest';
import {
  maskedExtraText,
  parseConnectionForm,
  parseVariableForm,
  unmaskExtra,
} from '../../src/web/secret-form-input.js';

describe('the variable form', () => {
  it('takes a key, a value and an optional description', () => {
    expect(parseVariableForm({ key: ' k.1 ', value: ' v ', description: '' })).toEqual({
      ok: true,
      value: { key: 'k.1', value: ' v ', description: null },
    });
  });
  it('names the key, and ignores it for an edit', () => {
    const r = parseVariableForm({ key: 'a b', value: 'v' });
    expect(r.ok ? undefined : r.error.field).toBe('key');
    expect(parseVariableForm({ key: 'a b', value: 'v' }, 'fixed')).toMatchObject({
      ok: true,
      value: { key: 'fixed' },
    });
    const nul = parseVariableForm({ key: 'k', value: 'a\u0000b' });
    expect(nul.ok ? undefined : nul.error.field).toBe('value');
  });
});

describe('the connection form', () => {
  const base = { conn_id: 'c', conn_type: 'http' };
  it('turns empty fields into null and an empty password into "none given"', () => {
    expect(parseConnectionForm({ ...base, host: '', port: '', extra: ' ', password: '' })).toEqual({
      ok: true,
      value: {
        connId: 'c',
        connType: 'http',
        description: null,
        host: null,
        schema: null,
        login: null,
        password: undefined,
        port: null,
        extra: null,
      },
    });
    expect(parseConnectionForm({ ...base, port: '65535', extra: '{"a":1}' })).toMatchObject({
      ok: true,
      value: { port: 65535, extra: { a: 1 } },
    });
  });
  it.each([
    [{ conn_id: 'a/b' }, 'conn_id'],
    [{ conn_type: '' }, 'conn_type'],
    [{ port: '-1' }, 'port'],
    [{ port: '65536' }, 'port'],
    [{ port: '1.5' }, 'port'],
    [{ extra: '{' }, 'extra'],
    [{ extra: '"text"' }, 'extra'],
    [{ extra: 'null' }, 'extra'],
    [{ login: 'a\u0000' }, 'login'],
  ])('refuses %j naming %s', (fields, field) => {
    const r = parseConnectionForm({ ...base, ...fields });
    expect(r.ok ? undefined : r.error.field).toBe(field);
  });
});

describe('the extra of an edit form', () => {
  const stored = { timeout: 10, api_key: 'k-1', nested: { password: 'p-2', host: 'h' } };
  it('is shown with its sensitive fields masked', () => {
    const text = maskedExtraText(stored);
    expect(text).not.toContain('k-1');
    expect(text).not.toContain('p-2');
    expect(JSON.parse(text)).toEqual({ timeout: 10, api_key: '***', nested: { password: '***', host: 'h' } });
  });
  it('saved as shown keeps the stored secrets; a field typed anew replaces it', () => {
    const shown = JSON.parse(maskedExtraText(stored)) as unknown;
    expect(unmaskExtra(shown, stored)).toEqual(stored);
    expect(unmaskExtra({ api_key: 'new', nested: { password: '***' }, token: '***' }, stored)).toEqual({
      api_key: 'new',
      nested: { password: 'p-2' },
      // a masked value with nothing stored under its name stays as typed
      token: '***',
    });
    // a non-sensitive field that reads *** is what was typed
    expect(unmaskExtra({ timeout: '***' }, stored)).toEqual({ timeout: '***' });
  });
});
