import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliActor, listEvents, recordEvent } from '../../src/audit/event-log.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

describe('event log', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('eventlog');
  });
  afterAll(async () => {
    await t.drop();
  });

  it('records actions and lists them newest first with filters and a total', async () => {
    const api = { owner: 'token', source: 'api', remoteAddr: '127.0.0.1' } as const;
    await recordEvent(t.db, api, { event: 'trigger', dagId: 'tado_etl', runId: 'manual__a' });
    await recordEvent(t.db, cliActor(), { event: 'pause', dagId: 'heating_analytics' });
    await recordEvent(t.db, api, { event: 'login.failed', extra: { username: 'bob' } });

    const all = await listEvents(t.db);
    expect(all.totalEntries).toBe(3);
    expect(all.events.map((e) => e.event)).toEqual(['login.failed', 'pause', 'trigger']);
    expect(all.events[0]?.extra).toEqual({ username: 'bob' });
    expect(all.events[1]?.source).toBe('cli');

    const etl = await listEvents(t.db, { dagId: 'tado_etl' });
    expect(etl.totalEntries).toBe(1);
    expect(etl.events[0]).toMatchObject({ run_id: 'manual__a', owner: 'token', remote_addr: '127.0.0.1' });

    const paged = await listEvents(t.db, { limit: 1, offset: 1 });
    expect(paged.totalEntries).toBe(3);
    expect(paged.events.map((e) => e.event)).toEqual(['pause']);
  });

  it('never throws into the action when the log cannot be written', async () => {
    const warnings: string[] = [];
    const id = await recordEvent(
      t.db,
      { owner: 'x', source: 'web' },
      { event: 'trigger', extra: { big: 1n } },
      { warn: (_o, msg) => warnings.push(msg) },
    );
    expect(id).toBeNull();
    expect(warnings).toEqual(['could not write the event log']);
  });
});
