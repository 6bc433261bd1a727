import { CollectionTag, Document, parseAllDocuments, Pair, ParseOptions, ScalarTag, SchemaOptions, YAMLMap, YAMLSeq } from 'yaml';
import { InputError } from './input-error';
import { stripBom } from './json-text';
import { isUnindentedQuotedScalar, loadLeniently, ShortFormTag } from './lenient-yaml';
import { assertUniqueKeys, yamlInputError } from './yaml-error';
import { yaml11Tags } from './yaml-schema';

/** Short-form tags whose long form is `{"Fn::<Name>": value}`. */
const FN_TAGS = [
  'And', 'Base64', 'Cidr', 'Equals', 'FindInMap', 'GetAZs', 'If', 'ImportValue', 'Join', 'Not', 'Or',
  'Select', 'Split', 'Sub', 'Transform', 'GetAtt',
];

/** Long-form key of each short-form tag (`!Ref` → `Ref`, `!Condition` → `Condition`, `!If` → `Fn::If`). */
const LONG_FORM: { [tag: string]: string } = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  ...Object.fromEntries(FN_TAGS.map((name) => [`!${name}`, `Fn::${name}`])),
};

/**
 * The `yaml` custom tags that turn CloudFormation short forms into the JSON long form, in scalar,
 * sequence and mapping form. `!GetAtt Resource.Attribute` becomes `{"Fn::GetAtt": ["Resource",
 * "Attribute"]}` (split at the first dot).
 */
export function cloudFormationTags(): Array<ScalarTag | CollectionTag> {
  const tags: Array<ScalarTag | CollectionTag> = [];
  for (const [tag, key] of Object.entries(LONG_FORM)) {
    tags.push({
      tag,
      resolve: (value: string) => ({ [key]: tag === '!GetAtt' ? splitGetAtt(value) : value }),
    });
    for (const collection of ['seq', 'map'] as const) {
      tags.push({
        tag,
        collection,
        resolve: (node: YAMLMap.Parsed | YAMLSeq.Parsed) => {
          // Keep the node (not its JS value) so anchors and aliases inside still resolve.
          const wrapper = new YAMLMap();
          wrapper.items.push(new Pair(key, node));
          return wrapper;
        },
      } as CollectionTag);
    }
  }
  return tags;
}

/** The short forms, for the lenient reader (`loadLeniently`). */
export const SHORT_FORMS: readonly ShortFormTag[] = Object.entries(LONG_FORM).map(([tag, key]) => (
  tag === '!GetAtt' ? { tag, key, split: splitGetAtt } : { tag, key }
));

function splitGetAtt(value: string): string[] {
  const dot = value.indexOf('.');
  return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
}

// Duplicate keys are refused by assertUniqueKeys, in linear time.
const OPTIONS: ParseOptions & SchemaOptions = { merge: true, prettyErrors: true, uniqueKeys: false };

/**
 * Parses a CloudFormation template written in YAML, short-form tags included, into the same
 * plain object `JSON.parse` would give for the JSON form of the template.
 *
 * @param text the file's content
 * @param file the file name, for error messages
 * @throws InputError if the text is not YAML or holds more than one document
 */
export function parseCloudFormationYaml(text: string, file: string): unknown {
  const source = stripBom(text);
  const documents: Document.Parsed[] = Array.from(parseAllDocuments(source, {
    ...OPTIONS,
    version: '1.1',
    customTags: (defaults) => [...yaml11Tags(defaults), ...cloudFormationTags()],
  }));
  let parsed: unknown[] | undefined;
  for (const doc of documents) {
    if (doc.errors.length > 0) {
      // A quoted scalar continued at its key's column: CloudFormation reads it, as libyaml does.
      parsed = isUnindentedQuotedScalar(doc.errors[0]) ? loadLeniently(source, SHORT_FORMS) : undefined;
      if (!parsed) {
        throw yamlInputError(doc.errors[0], file);
      }
      break;
    }
    assertUniqueKeys(doc, source, file);
  }
  parsed ??= documents.map((doc) => doc.toJS({ maxAliasCount: 1000 }));
  const values = parsed.filter((v) => v !== null && v !== undefined);
  if (values.length > 1) {
    throw new InputError(`cannot parse YAML in ${file}: a CloudFormation template is one YAML document, found ${values.length}`);
  }
  return values[0] ?? null;
}
