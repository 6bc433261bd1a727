import { Document, isScalar, visit, YAMLError } from 'yaml';
import { InputError, oneLine } from './input-error';

/** An `InputError` for the first YAML parse error: `cannot parse YAML in <file> at line L, column C: <what>`. */
export function yamlInputError(error: YAMLError, file: string): InputError {
  const pos = error.linePos?.[0];
  const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
  return new InputError(`cannot parse YAML in ${file}${where}: ${oneLine(error.message)}`);
}

/**
 * Refuses a mapping with the same key twice, as the `yaml` library's `uniqueKeys` does, in one pass
 * over the document (that option compares every key with every other: 40,000 keys took 36 s).
 *
 * @throws InputError naming the key and its line
 */
export function assertUniqueKeys(doc: Document.Parsed, source: string, file: string): void {
  let duplicate: { key: string; offset?: number } | undefined;
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const k = isScalar(pair.key) ? `s:${String(pair.key.value)}` : pair.key === null ? 'null' : `n:${String(pair.key)}`;
        if (seen.has(k)) {
          duplicate = { key: isScalar(pair.key) ? String(pair.key.value) : String(pair.key), offset: (pair.key as { range?: number[] })?.range?.[0] };
          return visit.BREAK;
        }
        seen.add(k);
      }
      return undefined;
    },
  });
  if (duplicate) {
    let where = '';
    if (duplicate.offset !== undefined) {
      const before = source.slice(0, duplicate.offset);
      where = ` at line ${before.split('\n').length}, column ${duplicate.offset - before.lastIndexOf('\n')}`;
    }
    throw new InputError(`cannot parse YAML in ${file}${where}: Map keys must be unique (${oneLine(JSON.stringify(duplicate.key))} appears twice)`);
  }
}
