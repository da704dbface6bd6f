/**
 * EngineWatch: one outage is logged once when it starts and once when it ends, pauses and resumes
 * the queue once each, holds back tries while down, and probes at its period. The backend is a
 * plain function that fails until told otherwise (no Docker needed); pino writes into an array.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ExecutorUnavailableError } from '../../src/executors/executor-unavailable-error.js';
import { EngineWatch } from '../../src/worker/engine-watch.js';

const ENDPOINT = 'DOCKER_HOST=unix:///tmp/x/docker.sock';

function setup(probeMs = 20) {
  const lines: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    }),
  );
  const calls: string[] = [];
  let answering = false;
  let pings = 0;
  const watch = new EngineWatch({
    ping: () => {
      pings++;
      return answering
        ? Promise.resolve()
        : Promise.reject(new ExecutorUnavailableError('DOCKER_UNAVAILABLE', ENDPOINT, 'down', {}));
    },
    probeMs,
    logger,
    onDown: () => Promise.resolve(void calls.push('pause')),
    onUp: () => Promise.resolve(void calls.push('resume')),
  });
  return {
    watch,
    lines,
    calls,
    pings: () => pings,
    answer: () => (answering = true),
    refuse: () => (answering = false),
  };
}

const unreachable = () =>
  new ExecutorUnavailableError(
    'DOCKER_UNAVAILABLE',
    ENDPOINT,
    `Docker daemon unreachable at ${ENDPOINT}`,
    {},
  );
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('EngineWatch', () => {
  it('one outage: paused and logged once, tries held back, resumed and logged once when a ping answers', async () => {
    const s = setup();
    expect(s.watch.state).toBe('up');
    await s.watch.whenUp(); // resolves at once while up
    for (let i = 0; i < 4; i++) s.watch.noteUnavailable(unreachable()); // four tries cut by one outage
    expect(s.watch.state).toBe('down');
    let released = false;
    const held = s.watch.whenUp().then(() => (released = true));
    await sleep(150);
    expect(released).toBe(false);
    expect(s.pings()).toBeGreaterThanOrEqual(3); // every 20 ms
    s.answer();
    await held;
    await sleep(10);
    expect(s.watch.state).toBe('up');
    expect(s.calls).toEqual(['pause', 'resume']);
    const down = s.lines.filter((l) => l.includes('Docker engine unreachable'));
    const back = s.lines.filter((l) => l.includes('Docker engine answers again'));
    expect({ down: down.length, back: back.length }).toEqual({ down: 1, back: 1 });
    expect(down[0]).toContain(ENDPOINT);
    expect(back[0]).toContain(ENDPOINT);
    const pingsAfter = s.pings();
    await sleep(80);
    expect(s.pings()).toBe(pingsAfter); // no probing while up
  });

  it('a second outage is noted again', async () => {
    const s = setup();
    s.watch.noteUnavailable(unreachable());
    s.answer();
    await s.watch.whenUp();
    s.watch.noteUnavailable(unreachable());
    await sleep(50);
    expect(s.calls).toEqual(['pause', 'resume', 'pause', 'resume']);
  });

  it('an engine that answers once while it shuts down is not taken as back: pings must answer twice in a row', async () => {
    const s = setup(30);
    s.watch.noteUnavailable(unreachable());
    await sleep(45); // the first ping (at 30 ms) refused
    s.answer(); // the next one answers (the engine is still exiting) ...
    await sleep(35);
    s.refuse(); // ... and then the engine is gone
    await sleep(100);
    expect(s.watch.state).toBe('down');
    expect(s.calls).toEqual(['pause']);
    s.answer();
    await s.watch.whenUp();
    expect(s.calls).toEqual(['pause', 'resume']);
  });

  it('the next try after one the outage cut is not queued before the next ping', () => {
    const s = setup(1000);
    const now = new Date('2026-12-04T19:00:00.000Z');
    expect(s.watch.nextCheckAt(now).toISOString()).toBe('2026-12-04T19:00:01.000Z');
  });

  it('stop releases held tries and stops probing', async () => {
    const s = setup();
    s.watch.noteUnavailable(unreachable());
    const held = s.watch.whenUp();
    s.watch.stop();
    await held;
    const n = s.pings();
    await sleep(80);
    expect(s.pings()).toBe(n);
    expect(s.calls).toEqual(['pause']);
  });
});
