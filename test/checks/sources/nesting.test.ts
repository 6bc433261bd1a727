import { nestsTooDeep } from '../../../src/checks/sources/nesting';

describe('nestsTooDeep', () => {
  test('brackets beyond the limit, and not up to it', () => {
    expect(nestsTooDeep(`${'['.repeat(257)}${']'.repeat(257)}`)).toBe(true);
    expect(nestsTooDeep(`${'{"a":'.repeat(256)}1${'}'.repeat(256)}`)).toBe(false);
    expect(nestsTooDeep('[]'.repeat(100_000))).toBe(false);
  });

  test('indentation beyond the limit (block style)', () => {
    expect(nestsTooDeep(`a:\n${' '.repeat(513)}b: 1\n`)).toBe(true);
    expect(nestsTooDeep(`a:\n${' '.repeat(512)}b: 1\n`)).toBe(false);
  });

  test('brackets inside quoted strings do not count', () => {
    expect(nestsTooDeep(`{"a": "${'['.repeat(1000)}"}`)).toBe(false);
    expect(nestsTooDeep(`a: '${'{'.repeat(1000)}'\n`)).toBe(false);
    expect(nestsTooDeep(`{"a": "x\\"${'['.repeat(1000)}"}`)).toBe(false);
  });

  test('an apostrophe in a plain scalar or a quote in a comment does not hide brackets', () => {
    expect(nestsTooDeep(`a: it's\nb: ${'['.repeat(300)}${']'.repeat(300)}\n`)).toBe(true);
    expect(nestsTooDeep(`# don't "quote\nb: ${'['.repeat(300)}${']'.repeat(300)}\n`)).toBe(true);
  });

  test('brackets in a comment do not count', () => {
    expect(nestsTooDeep(`a: 1 # ${'['.repeat(1000)}\n`)).toBe(false);
  });
});
