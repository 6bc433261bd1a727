import { jsonErrorOffset, lineColumn, parseJson } from '../../../src/checks/sources/json-text';

describe('parseJson', () => {
  test('parses JSON, ignoring a byte order mark', () => {
    expect(parseJson('\ufeff{"a": [1, 2]}', 'f.json')).toEqual({ a: [1, 2] });
  });

  test.each([
    ['{"a": }', 'line 1, column 7', "unexpected '}'"],
    ['{"a": 1', 'line 1, column 8', 'unexpected end of input'],
    ['{\n  "a": 1,\n}', 'line 3, column 1', "unexpected '}'"],
    ['[1, 2,]', 'line 1, column 7', "unexpected ']'"],
    ['{"a": 1}}', 'line 1, column 9', "unexpected '}'"],
    ["{'a': 1}", 'line 1, column 2', "unexpected '''"],
    ['{"a": 01}', 'line 1, column 8', "unexpected '1'"],
    ['{"a": "x\ny"}', 'line 1, column 9', 'unexpected line break'],
    ['', 'line 1, column 1', 'unexpected end of input'],
  ])('locates the error in %j', (text, where, what) => {
    expect(() => parseJson(text, 'dir/f.json')).toThrow(`cannot parse JSON in dir/f.json at ${where}: ${what}`);
  });

  test('counts lines of CRLF text', () => {
    expect(() => parseJson('{\r\n  "a": 1,\r\n  "b": x\r\n}', 'f.json')).toThrow('at line 3, column 8');
  });
});

describe('jsonErrorOffset', () => {
  test('finds no error in valid JSON', () => {
    const text = JSON.stringify({ a: [1, -2.5e3, 'x\\"\u00e9\n', true, false, null, {}, []] }, undefined, 2);
    expect(jsonErrorOffset(text)).toBeUndefined();
  });

  test('lineColumn counts from 1', () => {
    expect(lineColumn('ab\ncd', 0)).toBe('line 1, column 1');
    expect(lineColumn('ab\ncd', 4)).toBe('line 2, column 2');
  });
});
