import { isMap, isScalar, isSeq, LineCounter, Node, parseAllDocuments, YAMLMap } from 'yaml';
import { Finding } from '../finding';

/** A place in the parsed file: the node a path leads to, and the offset a finding on it points at. */
interface Place {
  readonly node: unknown;
  readonly offset: number;
}

/**
 * Finds the line of a file's text where a finding sits (findings carry no line numbers), from a
 * parse of the file with the `yaml` library (which reads JSON too), not from scanning its lines:
 * the deepest key of the finding's `property` path inside the resource (`Resources.<id>`), else the
 * resource's key; for an object of a manifest file (a document, an item of a list or of a `List`),
 * the deepest key of the path inside the object, else its `metadata.name`; for a finding on neither,
 * the path from the top of the document. Flow style, comments, quoted keys, short-form tags and
 * minified JSON are all read as the parser reads them.
 *
 * The file is parsed and indexed once; each finding then costs O(path length), so a report with
 * many findings on a large file stays linear in its input.
 */
export class SourceLocator {
  private readonly lineCounter = new LineCounter();
  /** The first `Resources` entry of each logical id, over every document. */
  private readonly resources = new Map<string, Place>();
  /** Each `Kind/name` object of a manifest, at its `metadata.name`; and the first object of each kind. */
  private readonly objects = new Map<string, Place>();
  private readonly kinds = new Map<string, Place>();
  private readonly roots: unknown[] = [];

  constructor(text: string) {
    let documents;
    try {
      // No custom tags: a short-form tag (`!If`) is then an unresolved tag on a node that keeps its
      // position, which is all a location needs. Errors leave what was parsed before them.
      documents = parseAllDocuments(text, { lineCounter: this.lineCounter, uniqueKeys: false, prettyErrors: false });
    } catch {
      return;
    }
    for (const doc of Array.from(documents)) {
      const root = doc.contents;
      this.roots.push(root);
      if (isMap(root)) {
        const resources = pairOf(root, 'Resources');
        if (resources && isMap(resources.value)) {
          for (const pair of resources.value.items) {
            const id = keyText(pair.key);
            if (id !== undefined && !this.resources.has(id)) {
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
    let start: Place | undefined;
    if (finding.resource) {
      start = this.resources.get(finding.resource);
    } else if (finding.kubernetesObject) {
      start = this.objects.get(finding.kubernetesObject) ?? this.kinds.get(finding.kubernetesObject.split('/')[0]);
    } else if (finding.property && this.roots.length === 1) {
      const found = walk({ node: this.roots[0], offset: -1 }, finding.property);
      return found.offset < 0 ? undefined : this.lineOf(found.offset);
    }
    if (start === undefined) {
      return undefined;
    }
    return this.lineOf(walk(start, finding.property).offset);
  }

  private lineOf(offset: number): number {
    return this.lineCounter.linePos(offset).line;
  }

  /** Objects of a manifest: the document itself, the items of a top-level list or of a `kind: List`. */
  private indexObjects(node: unknown): void {
    if (isSeq(node)) {
      node.items.forEach((item) => this.indexObject(item));
    } else if (isMap(node)) {
      const items = pairOf(node, 'items');
      if (items && isSeq(items.value) && /List$/.test(keyText(pairOf(node, 'kind')?.value) ?? '')) {
        items.value.items.forEach((item) => this.indexObject(item));
      } else {
        this.indexObject(node);
      }
    }
  }

  private indexObject(node: unknown): void {
    if (!isMap(node)) {
      return;
    }
    const kindPair = pairOf(node, 'kind');
    const kind = keyText(kindPair?.value);
    if (kind === undefined) {
      return;
    }
    const metadata = pairOf(node, 'metadata');
    const namePair = metadata && isMap(metadata.value) ? pairOf(metadata.value, 'name') : undefined;
    const name = keyText(namePair?.value);
    if (!this.kinds.has(kind)) {
      this.kinds.set(kind, { node, offset: offsetOf(kindPair!.key) });
    }
    const id = `${kind}/${name}`;
    if (name !== undefined && !this.objects.has(id)) {
      this.objects.set(id, { node, offset: offsetOf(namePair!.key) });
    }
  }
}

/** Follows a dotted path (`Properties.Overrides.1.MetadataOptions`) as far as the parsed nodes go. */
function walk(start: Place, dottedPath: string | undefined): Place {
  let at = start;
  let found: Place | undefined;
  for (const segment of (dottedPath ?? '').split('.').filter((s) => s !== '')) {
    const node = at.node;
    let next: Place | undefined;
    if (isMap(node)) {
      const pair = pairOf(node, segment);
      next = pair ? { node: pair.value, offset: offsetOf(pair.key) } : undefined;
    } else if (isSeq(node) && /^\d+$/.test(segment)) {
      const item = node.items[Number(segment)];
      next = item !== undefined && item !== null ? { node: item, offset: offsetOf(item) } : undefined;
    }
    if (next === undefined || next.offset < 0) {
      break;
    }
    at = next;
    found = next;
  }
  return found ?? start;
}

function pairOf(map: YAMLMap, key: string) {
  return map.items.find((pair) => keyText(pair.key) === key);
}

/** The text of a scalar key or value (`kind: Pod` → `Pod`); undefined for anything else. */
function keyText(node: unknown): string | undefined {
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
