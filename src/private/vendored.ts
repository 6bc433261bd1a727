import * as fs from 'fs';
import * as path from 'path';

const cache = new Map<string, unknown>();

/**
 * A vendored JSON document from `vendor/` (see `vendor/README.md` for each file's provenance).
 * `vendor/` sits at the package root, next to `src/` (run from source under ts-node or jest) and
 * `lib/` (compiled, installed from npm), so it is searched upwards from this file. Parsed once per
 * process; callers get fresh copies.
 *
 * @param relative path under `vendor/`, e.g. `aws-load-balancer-controller/iam_policy.json`
 */
export function vendoredJson(relative: string): any {
  if (!cache.has(relative)) {
    cache.set(relative, JSON.parse(fs.readFileSync(findVendored(relative), 'utf8')));
  }
  return structuredClone(cache.get(relative));
}

function findVendored(relative: string): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'vendor', relative);
    if (fs.existsSync(candidate)) {
      return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      break;
    }
    dir = parent;
  }
  throw new Error(`The vendored file vendor/${relative} was not found above ${__dirname}. ` +
    'The package ships vendor/ at its root; reinstall it, or build from a checkout that has vendor/.');
}
