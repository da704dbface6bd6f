/** `--conf` and other JSON object options of the CLI (src/cli/context.ts parseJsonObject). */
import { describe, expect, it } from 'vitest';
import { parseJsonObject } from '../../src/cli/context.js';

describe('parseJsonObject', () => {
  it('takes a JSON object and names the option for anything else', () => {
    expect(parseJsonObject('--conf', '{"dates":["2022-01-01"]}')).toEqual({ dates: ['2022-01-01'] });
    expect(parseJsonObject('--conf', undefined)).toEqual({});
    expect(() => parseJsonObject('--conf', '[1]')).toThrow('--conf must be a JSON object');
    expect(() => parseJsonObject('--conf', '{"a":')).toThrow(/^--conf is not valid JSON/);
  });

  it('refuses JSON nested deeper than 64 levels, naming the option, without overflowing the stack', () => {
    const deep = (n: number) => `{"a":${'['.repeat(n)}${']'.repeat(n)}}`;
    expect(parseJsonObject('--conf', deep(63))).toHaveProperty('a');
    expect(() => parseJsonObject('--conf', deep(64))).toThrow(
      '--conf nests deeper than 64 levels of objects and arrays',
    );
    expect(() => parseJsonObject('--conf', deep(100_000))).toThrow(/^--conf nests deeper than 64 levels/);
  });
});
