import * as jsYaml from 'js-yaml';
import { isScalar, parseDocument, ScalarTag, Tags, YAMLError } from 'yaml';
import { nestsTooDeep } from './nesting';
import { yaml11Tags } from './yaml-schema';

/**
 * A CloudFormation short-form tag for the lenient reader: `!Ref x` is `{ Ref: x }`, in scalar,
 * sequence and mapping form; `split` turns the scalar form's text into the long form's value
 * (`!GetAtt A.B` is `["A", "B"]`).
 */
export interface ShortFormTag {
  readonly tag: string;
  readonly key: string;
  readonly split?: (value: string) => unknown;
}

/**
 * Whether a `yaml` parse error is one that the parsers behind CloudFormation and `kubectl`
 * (libyaml, SnakeYAML, go-yaml) do not make: a quoted scalar that runs over lines indented no more
 * than its key. The YAML spec wants those lines indented further; the `yaml` library follows the
 * spec and ends the scalar at the first such line ("Missing closing "quote"), while the others read
 * the scalar to its closing quote, as CloudFormation deploys it. Published templates rely on it
 * (`Description: "... \n    the name must ..."`, with the continuation at the key's column).
 */
export function isUnindentedQuotedScalar(error: YAMLError): boolean {
  return error.code === 'MISSING_CHAR' && /^Missing closing ["']quote/.test(error.message);
}

/**
 * Reads YAML that the `yaml` library refused (see `isUnindentedQuotedScalar`) with `js-yaml`, a
 * parser that reads such scalars as libyaml does, and gives each document's value as the `yaml`
 * reading would have: the plain scalars are resolved by the very tags the `yaml` reading uses
 * (YAML 1.1 with `yaml11Tags`' exceptions, so `0755` is 493 and `yes` is true in both readings),
 * merge keys are merged, and CloudFormation short forms become their long form. Anything else the
 * `yaml` reading knows and this one does not (`!!set`, `!!omap`, `!!binary`, unknown tags) makes
 * this reading fail rather than differ.
 *
 * Aliases are shared, not copied, by `js-yaml`; the value is walked once to refuse one that
 * expands to more nodes than its text could hold without aliases (a "billion laughs" document),
 * as the `yaml` reading's `maxAliasCount` does. Linear in the text.
 *
 * @returns the documents' values (empty documents included, as `null`), or `undefined` where this
 * reading does not accept the text either (the caller reports the `yaml` library's error)
 */
export function loadLeniently(text: string, shortForms: readonly ShortFormTag[]): unknown[] | undefined {
  if (nestsTooDeep(text)) {
    return undefined; // js-yaml recurses per level
  }
  let documents: unknown[];
  try {
    documents = jsYaml.loadAll(text, undefined, { schema: schemaOf(shortForms) });
  } catch {
    return undefined;
  }
  return expandsWithinBounds(documents, 16 * text.length + 1024) ? documents : undefined;
}

/** js-yaml's `<<` merge key type (exported by js-yaml, not declared by its type definitions). */
const MERGE = (jsYaml as unknown as { types: { merge: jsYaml.Type } }).types.merge;

// Weakly keyed: a caller passing a fresh list each time does not grow it.
const schemas = new WeakMap<readonly ShortFormTag[], jsYaml.Schema>();

function schemaOf(shortForms: readonly ShortFormTag[]): jsYaml.Schema {
  let schema = schemas.get(shortForms);
  if (!schema) {
    const explicit: jsYaml.Type[] = [];
    for (const { tag, key, split } of shortForms) {
      explicit.push(new jsYaml.Type(tag, { kind: 'scalar', construct: (data: string | null) => ({ [key]: split ? split(data ?? '') : data ?? '' }) }));
      explicit.push(new jsYaml.Type(tag, { kind: 'sequence', construct: (data: unknown) => ({ [key]: data ?? [] }) }));
      explicit.push(new jsYaml.Type(tag, { kind: 'mapping', construct: (data: unknown) => ({ [key]: data ?? {} }) }));
    }
    schema = jsYaml.FAILSAFE_SCHEMA.extend({ implicit: [...implicitScalarTypes(), MERGE], explicit });
    schemas.set(shortForms, schema);
  }
  return schema;
}

let implicitTypes: jsYaml.Type[] | undefined;

/**
 * One `js-yaml` type per YAML 1.1 scalar tag the `yaml` reading resolves plain scalars with (null,
 * bool, int, float), each testing and resolving with that reading's own `test` and `resolve`.
 */
function implicitScalarTypes(): jsYaml.Type[] {
  if (!implicitTypes) {
    let tags: Tags = [];
    parseDocument('', { version: '1.1', customTags: (defaults) => (tags = yaml11Tags(defaults)) });
    const byTag = new Map<string, ScalarTag[]>();
    for (const tag of tags) {
      if (typeof tag === 'string' || tag.collection || !(tag.test instanceof RegExp) || tag.default !== true) {
        continue; // str, map, seq and merge are js-yaml's own; explicit-only tags are refused
      }
      const scalar = tag as ScalarTag;
      byTag.set(scalar.tag, [...(byTag.get(scalar.tag) ?? []), scalar]);
    }
    implicitTypes = [...byTag].map(([name, variants]) => new jsYaml.Type(name, {
      kind: 'scalar',
      resolve: (data: string | null) => variants.some((v) => v.test!.test(data ?? '')),
      construct: (data: string | null) => {
        const text = data ?? '';
        const variant = variants.find((v) => v.test!.test(text))!;
        const value = variant.resolve(text, () => undefined, {});
        return isScalar(value) ? value.value : value; // booleans come wrapped, to keep their source text
      },
    }));
  }
  return implicitTypes;
}

/**
 * Whether walking the values, aliases followed (each time they are met), visits at most `budget`
 * nodes. Iterative; stops at the budget, so it costs O(min(budget, nodes)).
 */
function expandsWithinBounds(values: unknown[], budget: number): boolean {
  const stack: unknown[] = [...values];
  let visited = 0;
  while (stack.length > 0) {
    const value = stack.pop();
    if (++visited > budget) {
      return false;
    }
    if (Array.isArray(value)) {
      for (const item of value) {
        stack.push(item);
      }
    } else if (typeof value === 'object' && value !== null) {
      for (const key of Object.keys(value)) {
        stack.push((value as { [key: string]: unknown })[key]);
      }
    }
  }
  return true;
}
