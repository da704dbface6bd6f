import { describe, expect, it } from 'vitest';
import { localTime, logLinesHtml, parseLogLine } from '../../src/web/log-format.js';
import { wholeLines } from '../../src/web/log-routes.js';

// a line as the task SDK's pino writes it (base fields dag_id, run_id, task_id, try_number)
const PINO =
  '{"level":40,"time":1641002400123,"pid":7,"hostname":"w1","dag_id":"tado_etl","run_id":"r","task_id":"load","try_number":"1","rows":12,"msg":"zone 3 <late>"}';

describe('log lines', () => {
  it('reads a pino line as local time, level name and message, the other fields kept in order', () => {
    const l = parseLogLine(PINO, 'Europe/Madrid');
    expect(l).toEqual({
      kind: 'json',
      time: '2022-01-01 03:00:00.123', // 02:00:00.123 UTC, UTC+1 in winter
      level: 'WARN',
      message: 'zone 3 <late>',
      fields: [
        ['pid', '7'],
        ['hostname', '"w1"'],
        ['dag_id', '"tado_etl"'],
        ['run_id', '"r"'],
        ['task_id', '"load"'],
        ['try_number', '"1"'],
        ['rows', '12'],
      ],
    });
    expect(localTime(new Date(Date.UTC(2022, 6, 1, 12, 0, 0, 5)), 'Europe/Madrid')).toBe(
      '2022-07-01 14:00:00.005',
    );
    expect(localTime(new Date(Date.UTC(2022, 0, 1, 0, 0, 0)), 'UTC')).toBe('2022-01-01 00:00:00.000');
  });

  it('keeps lines that are not pino JSON as they are', () => {
    expect(parseLogLine('Traceback: boom', 'UTC')).toEqual({ kind: 'text', text: 'Traceback: boom' });
    expect(parseLogLine('{not json', 'UTC')).toEqual({ kind: 'text', text: '{not json' });
    expect(parseLogLine('[1,2]', 'UTC')).toEqual({ kind: 'text', text: '[1,2]' });
    expect(parseLogLine('{"msg":"x","level":"warn"}', 'UTC')).toMatchObject({
      time: '',
      level: 'WARN',
      fields: [],
    });
  });

  it('renders one escaped div per line, fields folded in a closed <details>', () => {
    const out = logLinesHtml(`${PINO}\nplain <b>\n{"level":30,"time":0,"msg":"ok"}\n`, 'UTC').value;
    expect(out.match(/class="log-line/g)).toHaveLength(3);
    expect(out).toContain('<span class="log-level">WARN</span>');
    expect(out).toContain('zone 3 &lt;late&gt;');
    expect(out).toContain('<summary>7 fields</summary>');
    expect(out).toContain('hostname: &quot;w1&quot;\n');
    expect(out).toContain(
      '<div class="log-line log-text"><span class="log-msg">plain &lt;b&gt;</span></div>',
    );
    expect(out).toContain('1970-01-01 00:00:00.000');
    expect(out).not.toContain('<b>');
    expect(out.match(/<details/g)).toHaveLength(1); // the third line has no other field
  });

  it('cuts a growing log after its last line break, and keeps a line longer than a read whole', () => {
    expect(wholeLines('a\nb\nhalf', 100, 1000)).toEqual({ content: 'a\nb\n', nextOffset: 96 });
    expect(wholeLines('a\n', 100, 1000)).toEqual({ content: 'a\n', nextOffset: 100 });
    expect(wholeLines('é half', 100, 1000)).toEqual({ content: '', nextOffset: 93 });
    expect(wholeLines('x'.repeat(8), 8, 8)).toEqual({ content: 'xxxxxxxx', nextOffset: 8 });
  });
});
