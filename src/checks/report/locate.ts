import { isMap, isScalar, isSeq, LineCounter, Node, parseAllDocuments, YAMLMap } from 'yaml';
import { Finding } from '../finding';
import { nestsTooDeep } from '../sources/nesting';
import { yaml11Tags } from '../sources/yaml-schema';

/** A place in the parsed file: the node a path leads to, and the offset a finding on it points at. */
interface Place {
  readonly node: unknown;
  readonly offset: number;
}

/**
 * Finds the line of a file's text where a finding sits (findings carry no line numbers), from a
 * parse of the file with the `yaml` library (which reads JSON too), read as the loader reads it
 * (YAML 1.1 scalars, so `Off:` and `010:` are the ids the loader saw), not from scanning its lines:
 *
 * - on a resource: the deepest key of the finding's `property` path inside `Resources.<id>`
 *   (through `Fn::If` branches, as the engine's paths go), else the resource's key;
 * - on an object of a manifest file (documents, lists and `List`s, nested as the loader flattens
 *   them): the deepest key of the path inside the first object of that `Kind/name` where the whole
 *   path exists, else that object's `metadata.name`;
 * - on neither: the path from the top of the (one) document.
 *
 * Flow style, comments, quoted keys, short-form tags and minified JSON are read as the parser reads
 * them; where a key repeats (JSON only: the loaders refuse duplicate YAML keys) the last one counts,
 * as in `JSON.parse`. A text nested deeper than the parser can take is not parsed: its findings get
 * no line.
 *
 * The file is parsed once; each finding then costs O(path length), so a report stays linear in its
 * input. Drop the locator when its file's findings are placed: it holds the parsed file.
 */
export class SourceLocator {
  private readonly lineCounter = new LineCounter();
  /** The `Resources` entry of each logical id (the last, where JSON repeats one). */
  private readonly resources = new Map<string, Place>();
  /** The objects of each `Kind/name` of a manifest, at their `metadata.name`, in file order. */
  private readonly objects = new Map<string, Place[]>();
  /** The first object of each kind, at its `kind`. */
  private readonly kinds = new Map<string, Place>();
  private readonly roots: unknown[] = [];

  constructor(text: string) {
    if (nestsTooDeep(text)) {
      return;
    }
    let documents;
    try {
      // Short-form tags (`!If`) stay unresolved tags on nodes that keep their positions, which is
      // all a location needs. Errors leave what was parsed before them.
      documents = parseAllDocuments(text, {
        lineCounter: this.lineCounter,
        uniqueKeys: false,
        prettyErrors: false,
        version: '1.1',
        customTags: yaml11Tags,
      });
    } catch {
      return;
    }
    for (const doc of Array.from(documents)) {
      const root = doc.contents;
      if (root === null || root === undefined || (isScalar(root) && root.value === null)) {
        continue; // an empty document (`---` at the end of a file)
      }
      this.roots.push(root);
      if (isMap(root)) {
        const resources = pairOf(root, 'Resources');
        if (resources && isMap(resources.value)) {
          for (const pair of resources.value.items) {
            const id = scalarText(pair.key);
            if (id !== undefined) {
              this.resources.set(id, { node: pair.value, offset: offsetOf(pair.key) });
            }
          }
        }
      }
      this.indexObjects(root);
    }
  }

  /** The 1-based line of the finding, or undefined when nothing matches. */
  public line(finding: Finding): number | undefined {
    if (finding.resource) {
      const start = this.resources.get(finding.resource);
      return start === undefined ? undefined : this.lineOf(walk(start, finding.property).place.offset);
    }
    if (finding.kubernetesObject) {
      const candidates = this.objects.get(finding.kubernetesObject);
      if (candidates === undefined) {
        const kind = this.kinds.get(finding.kubernetesObject.split('/')[0]);
        return kind === undefined ? undefined : this.lineOf(kind.offset);
      }
      const walks = candidates.map((c) => walk(c, finding.property));
      return this.lineOf((walks.find((w) => w.complete) ?? walks[0]).place.offset);
    }
    if (finding.property && this.roots.length === 1) {
      const found = walk({ node: this.roots[0], offset: -1 }, finding.property).place;
      return found.offset < 0 ? undefined : this.lineOf(found.offset);
    }
    return undefined;
  }

  private lineOf(offset: number): number {
    return this.lineCounter.linePos(offset).line;
  }

  /** Flattens lists and `List` objects (`kind: List`, `PodList`, ...) recursively, as the loader does. */
  private indexObjects(node: unknown): void {
    if (isSeq(node)) {
      node.items.forEach((item) => this.indexObjects(item));
      return;
    }
    if (!isMap(node)) {
      return;
    }
    const kindPair = pairOf(node, 'kind');
    const kind = scalarText(kindPair?.value);
    const items = pairOf(node, 'items');
    if (kind !== undefined && kind.endsWith('List') && items && isSeq(items.value)) {
      items.value.items.forEach((item) => this.indexObjects(item));
      return;
    }
    if (kind === undefined) {
      return;
    }
    if (!this.kinds.has(kind)) {
      this.kinds.set(kind, { node, offset: offsetOf(kindPair!.key) });
    }
    const metadata = pairOf(node, 'metadata');
    const namePair = metadata && isMap(metadata.value) ? pairOf(metadata.value, 'name') : undefined;
    const name = scalarText(namePair?.value);
    if (name !== undefined) {
      const id = `${kind}/${name}`;
      const place = { node, offset: offsetOf(namePair!.key) };
      const list = this.objects.get(id);
      if (list) {
        list.push(place);
      } else {
        this.objects.set(id, [place]);
      }
    }
  }
}

/**
 * Follows a dotted path (`Properties.Overrides.1.MetadataOptions`) as far as the parsed nodes go,
 * through `Fn::If` (`{"Fn::If": [c, a, b]}`, `!If [c, a, b]`) where the path goes on in a branch.
 */
function walk(start: Place, dottedPath: string | undefined): { place: Place; complete: boolean } {
  let at = start;
  const segments = (dottedPath ?? '').split('.').filter((s) => s !== '');
  for (const segment of segments) {
    const next = step(at.node, segment);
    if (next === undefined || next.offset < 0) {
      return { place: at, complete: false };
    }
    at = next;
  }
  return { place: at, complete: true };
}

function step(node: unknown, segment: string): Place | undefined {
  if (isMap(node)) {
    const pair = pairOf(node, segment);
    if (pair) {
      return { node: pair.value, offset: offsetOf(pair.key) };
    }
    const fnIf = node.items.length === 1 && scalarText(node.items[0].key) === 'Fn::If' ? node.items[0].value : undefined;
    return isSeq(fnIf) ? stepIntoBranches(fnIf, segment) : undefined;
  }
  if (isSeq(node)) {
    if (/^\d+$/.test(segment)) {
      const item = node.items[Number(segment)];
      return item !== undefined && item !== null ? { node: item, offset: offsetOf(item) } : undefined;
    }
    return (node as { tag?: string }).tag === '!If' ? stepIntoBranches(node, segment) : undefined;
  }
  return undefined;
}

/** The segment in the first branch of an `Fn::If` that has it. */
function stepIntoBranches(args: { items: unknown[] }, segment: string): Place | undefined {
  for (const branch of args.items.slice(1, 3)) {
    const next = step(branch, segment);
    if (next !== undefined) {
      return next;
    }
  }
  return undefined;
}

/** The last pair with this key (`JSON.parse` keeps the last of repeated keys). */
function pairOf(map: YAMLMap, key: string) {
  for (let i = map.items.length - 1; i >= 0; i--) {
    if (scalarText(map.items[i].key) === key) {
      return map.items[i];
    }
  }
  return undefined;
}

/** The text of a scalar key or value as the loader reads it (`kind: Pod` → `Pod`, `Off:` → `false`). */
function scalarText(node: unknown): string | undefined {
  return isScalar(node) && node.value !== null && typeof node.value !== 'object' ? String(node.value) : undefined;
}

function offsetOf(node: unknown): number {
  const range = (node as Node | undefined)?.range;
  return range ? range[0] : -1;
}

/** The 1-based line of a finding in a file's text (parses the text; use SourceLocator for many findings). */
export function findingLine(text: string, finding: Finding): number | undefined {
  return new SourceLocator(text).line(finding);
}
