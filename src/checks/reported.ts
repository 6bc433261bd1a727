import * as path from 'path';
import { Finding } from './finding';

/**
 * The findings the aspect has already put on constructs, per template file (absolute path), so the
 * validation plugin, run in the same synthesis, does not report them a second time. Keyed by the
 * template's path in the output directory, which is unique to one synthesis of one app.
 */
const REPORTED = new Map<string, Set<string>>();

/** Records that the aspect reported these findings of the template that will be written to `templateFile`. */
export function recordReported(templateFile: string, findings: Finding[]): void {
  const key = path.resolve(templateFile);
  const set = REPORTED.get(key) ?? new Set<string>();
  for (const f of findings) {
    set.add(findingKey(f));
  }
  REPORTED.set(key, set);
}

/**
 * The findings of a template the aspect did not already report, and forgets what it reported (the
 * same output directory may be written again by a later synthesis).
 */
export function takeUnreported(templateFile: string, findings: Finding[]): Finding[] {
  const key = path.resolve(templateFile);
  const reported = REPORTED.get(key);
  REPORTED.delete(key);
  return reported ? findings.filter((f) => !reported.has(findingKey(f))) : findings;
}

function findingKey(f: Finding): string {
  return [f.ruleId, f.resource ?? '', f.object ?? '', f.property ?? ''].join('\u0000');
}
