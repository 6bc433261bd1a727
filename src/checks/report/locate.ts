import { Finding } from '../finding';

/**
 * Finds the line of a file's text where a finding sits (findings carry no line numbers): the
 * deepest key of the finding's `property` path inside the resource's block, else the resource's
 * key under `Resources`; for an object of a manifest file, its `name` after its `kind`. Works on
 * pretty-printed JSON and on YAML.
 *
 * The text is indexed once (O(lines)); each finding then costs O(depth × log lines), so a report
 * with many findings on a large file stays linear in its input.
 */
export class SourceLocator {
  private readonly indents: number[] = [];
  /** For each line, the index of the first later non-blank line indented no deeper (the end of its block). */
  private readonly blockEnds: number[] = [];
  /** Sorted line indexes of every key, by key name. */
  private readonly keys = new Map<string, number[]>();
  private readonly resourcesLine: number;
  /** Line of `name` of each `Kind/name`, and of the first line of each kind. */
  private readonly objects = new Map<string, number>();
  private readonly kinds = new Map<string, number>();

  constructor(text: string) {
    const lines = text.split(/\r?\n/);
    let lastKind: string | undefined;
    lines.forEach((line, i) => {
      this.indents.push(line.trim() === '' ? -1 : line.length - line.trimStart().length);
      const m = KEY.exec(line);
      const key = m ? (m[1] ?? m[2] ?? m[3]) : undefined;
      if (key !== undefined) {
        const list = this.keys.get(key);
        if (list) {
          list.push(i);
        } else {
          this.keys.set(key, [i]);
        }
      }
      if (/^---/.test(line)) {
        lastKind = undefined;
      } else if (key === 'kind') {
        lastKind = SCALAR.exec(line)?.[1];
        if (lastKind !== undefined && !this.kinds.has(lastKind)) {
          this.kinds.set(lastKind, i);
        }
      } else if (key === 'name' && lastKind !== undefined) {
        const name = SCALAR.exec(line)?.[1];
        const id = `${lastKind}/${name}`;
        if (name !== undefined && !this.objects.has(id)) {
          this.objects.set(id, i);
        }
      }
    });
    // Block ends in one pass from the bottom, with a stack of (indent, line) of later lines.
    const stack: Array<[number, number]> = [];
    for (let i = lines.length - 1; i >= 0; i--) {
      const indent = this.indents[i];
      if (indent < 0) {
        this.blockEnds[i] = stack.length > 0 ? stack[stack.length - 1][1] : lines.length;
        continue;
      }
      while (stack.length > 0 && stack[stack.length - 1][0] > indent) {
        stack.pop();
      }
      this.blockEnds[i] = stack.length > 0 ? stack[stack.length - 1][1] : lines.length;
      stack.push([indent, i]);
    }
    this.resourcesLine = this.keys.get('Resources')?.[0] ?? 0;
  }

  /** The 1-based line of the finding, or undefined when nothing matches. */
  public line(finding: Finding): number | undefined {
    if (finding.resource) {
      const start = this.after(finding.resource, this.resourcesLine - 1, Number.MAX_SAFE_INTEGER);
      if (start === undefined) {
        return undefined;
      }
      return this.pathLine(start, finding.property) ?? start + 1;
    }
    if (finding.kubernetesObject) {
      const line = this.objects.get(finding.kubernetesObject) ?? this.kinds.get(finding.kubernetesObject.split('/')[0]);
      return line === undefined ? undefined : line + 1;
    }
    return undefined;
  }

  private pathLine(start: number, dottedPath: string | undefined): number | undefined {
    if (!dottedPath) {
      return undefined;
    }
    const end = this.blockEnds[start];
    let at = start;
    let found: number | undefined;
    for (const segment of dottedPath.split('.').filter((s) => s !== '' && !/^\d+$/.test(s))) {
      const i = this.after(segment, at, end);
      if (i === undefined) {
        break;
      }
      at = i;
      found = i + 1;
    }
    return found;
  }

  /** The first line of `key` after `from` and before `end` (binary search). */
  private after(key: string, from: number, end: number): number | undefined {
    const list = this.keys.get(key);
    if (!list) {
      return undefined;
    }
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (list[mid] <= from) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo < list.length && list[lo] < end ? list[lo] : undefined;
  }
}

/** A key at the start of a line: `Key:`, `"Key":`, `'Key':`, `- Key:`. */
const KEY = /^\s*(?:-\s+)?(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s"'#:{}[\],][^:]*?))\s*:(?:\s|$)/;
/** The scalar after a key: `kind: Pod`, `"kind": "Pod",`. */
const SCALAR = /:\s*["']?([^"',\s]+)["']?\s*,?\s*$/;

/** The 1-based line of a finding in a file's text (indexes the text; use SourceLocator for many findings). */
export function findingLine(text: string, finding: Finding): number | undefined {
  return new SourceLocator(text).line(finding);
}
