import { Finding } from '../finding';

/**
 * The 1-based line of a file's text where a finding sits, found by reading the text (findings
 * carry no line numbers): the deepest key of the finding's `path` inside the resource's block,
 * else the resource's key under `Resources`; for an object of a manifest file, its `name` after
 * its `kind`. Works on pretty-printed JSON and on YAML; undefined when nothing matches.
 */
export function findingLine(text: string, finding: Finding): number | undefined {
  const lines = text.split(/\r?\n/);
  if (finding.resource) {
    const start = resourceLine(lines, finding.resource);
    if (start === undefined) {
      return undefined;
    }
    return pathLine(lines, start, finding.property) ?? start + 1;
  }
  if (finding.object) {
    const line = objectLine(lines, finding.object);
    return line === undefined ? undefined : line + 1;
  }
  return undefined;
}

function keyPattern(key: string): RegExp {
  const k = escape(key);
  return new RegExp(`^\\s*(?:-\\s+)?(?:"${k}"|'${k}'|${k})\\s*:`);
}

/** 0-based index of the resource's key line, after the `Resources` line. */
function resourceLine(lines: string[], logicalId: string): number | undefined {
  const resources = lines.findIndex((l) => keyPattern('Resources').test(l));
  const key = keyPattern(logicalId);
  for (let i = Math.max(resources, 0); i < lines.length; i++) {
    if (key.test(lines[i])) {
      return i;
    }
  }
  return undefined;
}

/** 1-based line of the deepest key of the path found, in order, inside the resource's block. */
function pathLine(lines: string[], start: number, dottedPath: string | undefined): number | undefined {
  if (!dottedPath) {
    return undefined;
  }
  const indent = indentOf(lines[start]);
  let end = start + 1;
  while (end < lines.length && (lines[end].trim() === '' || indentOf(lines[end]) > indent)) {
    end++;
  }
  let at = start;
  let found: number | undefined;
  for (const segment of dottedPath.split('.').filter((s) => s !== '' && !/^\d+$/.test(s))) {
    const key = keyPattern(segment);
    let i = at + 1;
    while (i < end && !key.test(lines[i])) {
      i++;
    }
    if (i >= end) {
      break;
    }
    at = i;
    found = i + 1;
  }
  return found;
}

/** 0-based index of the `name` line of `Kind/name` after a matching `kind` line. */
function objectLine(lines: string[], object: string): number | undefined {
  const slash = object.indexOf('/');
  const kind = slash < 0 ? object : object.slice(0, slash);
  const name = slash < 0 ? undefined : object.slice(slash + 1);
  const kindLine = new RegExp(`^\\s*(?:-\\s+)?["']?kind["']?\\s*:\\s*["']?${escape(kind)}["']?\\s*,?\\s*$`);
  const nameLine = name ? new RegExp(`^\\s*["']?name["']?\\s*:\\s*["']?${escape(name)}["']?\\s*,?\\s*$`) : undefined;
  let firstKind: number | undefined;
  let lastKind: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const kindMatch = /^\s*(?:-\s+)?["']?kind["']?\s*:/.test(line);
    if (kindMatch) {
      lastKind = kindLine.test(line) ? kind : undefined;
      if (lastKind && firstKind === undefined) {
        firstKind = i;
      }
      if (lastKind && !nameLine) {
        return i;
      }
    } else if (/^---/.test(line)) {
      lastKind = undefined;
    } else if (lastKind && nameLine?.test(line)) {
      return i;
    }
  }
  return firstKind;
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
