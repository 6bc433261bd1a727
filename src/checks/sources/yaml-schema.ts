import { ScalarTag, Tags } from 'yaml';

const BOOL = 'tag:yaml.org,2002:bool';

/**
 * The YAML 1.1 tags, as the parsers behind CloudFormation and `kubectl` read plain scalars
 * (`yes`/`no`/`on`/`off` are booleans, `0755` is octal), minus what would change a value's type
 * in surprising ways: timestamps (`2010-09-09` stays a string, as `AWSTemplateFormatVersion`
 * needs), base-60 numbers (`1:20` stays a string) and the one-letter booleans `y`/`n` (a key
 * named `Y` stays a string).
 */
export function yaml11Tags(defaults: Tags): Tags {
  return defaults
    .filter((t) => typeof t === 'string' || (t.tag !== 'tag:yaml.org,2002:timestamp' && (t as ScalarTag).format !== 'TIME'))
    .map((t) => {
      const scalar = t as ScalarTag;
      if (typeof t === 'string' || t.tag !== BOOL || !(scalar.test instanceof RegExp)) {
        return t;
      }
      const test = new RegExp(scalar.test.source.replace(/^\^\(\?:[YN]\|[yn]\|/, '^(?:'), scalar.test.flags);
      return { ...scalar, test };
    });
}
