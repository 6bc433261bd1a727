import { parseManifestProperty, wholePlaceholderIndex } from '../../src/checks/engine/manifest';
import { TemplateContext } from '../../src/checks/engine/values';

// Whether an intrinsic in an Fn::Join of JSON text stands as a whole value (it could be the hop
// limit) or inside a string depends on the quotes before it, escaped ones included.
const ctx = new TemplateContext({ Parameters: { Hop: { Type: 'Number' } } });
const hop = { Ref: 'Hop' };

function parse(...parts: unknown[]) {
  const parsed = parseManifestProperty(ctx, { 'Fn::Join': ['', parts] });
  if (!parsed.ok) {
    throw new Error(parsed.reason);
  }
  return parsed.manifest;
}

describe('parseManifestProperty: intrinsics inside and outside JSON strings', () => {
  test('an intrinsic after a closed string is a whole value', () => {
    const m = parse('{"a":"x","hop":', hop, '}');
    expect(m.placeholders.map((p) => p.raw)).toEqual([true]);
    expect(wholePlaceholderIndex((m.objects[0] as Record<string, unknown>).hop)).toBe(0);
  });

  test('an escaped quote does not close the string the intrinsic sits in', () => {
    const m = parse('{"a":"say \\"', hop, '\\" please"}');
    expect(m.placeholders.map((p) => p.raw)).toEqual([false]);
    expect((m.objects[0] as Record<string, unknown>).a).toMatch(/^say "__CDK_HARDENED_EKS_TOKEN_0__" please$/);
  });

  test('an escaped backslash before a quote lets the quote close the string', () => {
    const m = parse('{"a":"dir\\\\","hop":', hop, '}');
    expect(m.placeholders.map((p) => p.raw)).toEqual([true]);
    expect((m.objects[0] as Record<string, unknown>).a).toBe('dir\\');
  });

  test('an escape split across pieces is followed into the next piece', () => {
    // The first piece ends in a backslash: the quote that starts the second is escaped.
    const m = parse('{"a":"x\\', '" still inside ', hop, '"}');
    expect(m.placeholders.map((p) => p.raw)).toEqual([false]);
  });

  test('quotes in many pieces are counted in order (two intrinsics, one raw, one inside)', () => {
    const m = parse('{"name":"n-', hop, '","hop":', hop, ',"q":"\\"\\\\"}');
    expect(m.placeholders.map((p) => p.raw)).toEqual([false, true]);
    expect((m.objects[0] as Record<string, unknown>).q).toBe('"\\');
  });
});
