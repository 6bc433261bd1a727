import { Document, DocumentOptions, parseAllDocuments, ParseOptions, SchemaOptions } from 'yaml';
import { InputError } from './input-error';
import { looksLikeJson, parseJson, stripBom } from './json-text';
import { isUnindentedQuotedScalar, loadLeniently, ShortFormTag } from './lenient-yaml';
import { assertUniqueKeys, yamlInputError } from './yaml-error';
import { yaml11Tags } from './yaml-schema';

/**
 * How Kubernetes YAML is read: YAML 1.1 scalars and merge keys, as `kubectl` reads them. Duplicate
 * keys are refused by `assertUniqueKeys`, in linear time (the library's own check is quadratic).
 */
export const KUBERNETES_YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  merge: true,
  uniqueKeys: false,
  customTags: (defaults) => yaml11Tags(defaults),
};

/** Manifests have no CloudFormation short forms (one list, so the lenient reader builds its schema once). */
const NO_SHORT_FORMS: readonly ShortFormTag[] = [];

/** A Kubernetes object as read from a manifest: a plain JSON-like object. */
export type KubernetesObject = { [key: string]: unknown };

/**
 * Parses a Kubernetes manifest file: multi-document YAML (comments, empty documents, `---`
 * separators, CRLF line endings) or JSON (one object or an array of objects). `kind: List` and
 * other `*List` objects are replaced by their `items`.
 *
 * @param text the file's content
 * @param file the file name, for error messages
 * @throws InputError if the text is not YAML / JSON, or a document is not an object
 */
export function parseKubernetesManifest(text: string, file: string): KubernetesObject[] {
  const source = stripBom(text);
  if (looksLikeJson(source, file)) {
    return kubernetesObjectsOf([parseJson(source, file)], file);
  }
  const documents: Document.Parsed[] = Array.from(
    parseAllDocuments(source, { ...KUBERNETES_YAML_OPTIONS, prettyErrors: true }),
  );
  const values: unknown[] = [];
  const refused = documents.find((doc) => doc.errors.length > 0);
  if (refused) {
    // A quoted scalar continued at its key's column: kubectl reads it, as libyaml does.
    const lenient = isUnindentedQuotedScalar(refused.errors[0]) ? loadLeniently(source, NO_SHORT_FORMS) : undefined;
    if (!lenient) {
      throw yamlInputError(refused.errors[0], file);
    }
    for (const [index, value] of lenient.entries()) {
      if (value !== null && value !== undefined) {
        values.push(objectOrRefuse(value, file, index));
      }
    }
    return kubernetesObjectsOf(values, file);
  }
  for (const [index, doc] of documents.entries()) {
    assertUniqueKeys(doc, source, file);
    const value = doc.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) {
      continue; // empty document: only comments, or nothing between two `---`
    }
    // The line is counted only for a document that is refused: counted for each, it made a file of
    // many documents quadratic in its size (20,000 EC2NodeClasses: 62 s).
    const start = doc.contents?.range?.[0];
    values.push(objectOrRefuse(value, file, index, start === undefined ? undefined : () => lineOf(source, start)));
  }
  return kubernetesObjectsOf(values, file);
}

/** A document's value, if it is an object (or a list of them). @throws InputError otherwise */
function objectOrRefuse(value: unknown, file: string, index: number, lineOfDocument?: () => number): unknown {
  if (typeof value !== 'object') {
    const line = lineOfDocument?.();
    throw new InputError(
      `${file}: document ${index + 1}${line ? ` (line ${line})` : ''} is not a Kubernetes object but ${describe(value)}`,
    );
  }
  return value;
}

/**
 * The objects in parsed manifest values: arrays are flattened and `List` objects (`kind: List`,
 * `PodList`, ...) replaced by their `items`, recursively.
 *
 * @throws InputError if a value or an item is not an object
 */
export function kubernetesObjectsOf(values: unknown[], file: string): KubernetesObject[] {
  const objects: KubernetesObject[] = [];
  const add = (value: unknown, where: string) => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => add(v, `${where}[${i}]`));
    } else if (isObject(value)) {
      if (isList(value)) {
        (value.items as unknown[]).forEach((v, i) => add(v, `${where}.items[${i}]`));
      } else {
        objects.push(value);
      }
    } else {
      throw new InputError(`${file}: ${where || 'the top-level value'} is not a Kubernetes object but ${describe(value)}`);
    }
  };
  values.forEach((v, i) => add(v, values.length > 1 ? `document ${i + 1}` : ''));
  return objects;
}

/** Whether an object is a Kubernetes list (`kind: List`, `PodList`, ...) with `items`. */
export function isList(value: KubernetesObject): boolean {
  return typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items);
}

/** Whether an object has the `apiVersion` and `kind` every Kubernetes object has. */
export function isKubernetesObject(value: unknown): value is KubernetesObject {
  return isObject(value) && typeof value.apiVersion === 'string' && typeof value.kind === 'string';
}

function isObject(value: unknown): value is KubernetesObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
    }
  }
  return line;
}

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
    return `the string '${shown}'`;
  }
  return `${typeof value} ${String(value)}`;
}
