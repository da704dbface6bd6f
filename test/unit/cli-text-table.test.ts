/** The command's plain-text tables: columns as wide as their widest cell, never overflowing. */
import { describe, expect, it } from 'vitest';
import { formatTable } from '../../src/cli/text-table.js';

describe('formatTable', () => {
  it('pads every column but the last to its widest cell, header included', () => {
    const text = formatTable(
      ['dag_id', 'schedule', 'state', 'file'],
      [
        ['heating_analytics', 'on asset tado://warehouse', 'active', '/dags/heating_analytics.ts'],
        ['tado_etl', '0 1 * * *', 'paused', '/dags/tado_etl.ts'],
      ],
    );
    expect(text.split('\n')).toEqual([
      'dag_id             schedule                   state   file',
      'heating_analytics  on asset tado://warehouse  active  /dags/heating_analytics.ts',
      'tado_etl           0 1 * * *                  paused  /dags/tado_etl.ts',
      '',
    ]);
  });

  it('prints the header of an empty table, and missing or empty last cells without trailing spaces', () => {
    expect(formatTable(['a', 'b'], [])).toBe('a  b\n');
    expect(formatTable(['a', 'b'], [['long value'], ['x', '']])).toBe('a           b\nlong value\nx\n');
  });
});
