import * as fs from 'fs';
import * as path from 'path';

/** Name, version and home page of this package, as its `package.json` says. */
export interface PackageInfo {
  readonly name: string;
  readonly version: string;
  /** Repository web page (no `git+` prefix, no `.git` suffix). */
  readonly homepage: string;
}

const NAME = 'cdk-hardened-eks';
const FALLBACK: PackageInfo = {
  name: NAME,
  version: '0.0.0',
  homepage: 'https://github.com/cdk-hardened-eks/cdk-hardened-eks',
};

let cached: PackageInfo | undefined;

/**
 * Reads this package's `package.json`, found by walking up from this file: works from the
 * compiled `lib/…` as from the `src/…` sources (ts-node, jest) and inside `node_modules`.
 */
export function packageInfo(): PackageInfo {
  if (!cached) {
    cached = readPackageInfo(__dirname) ?? FALLBACK;
  }
  return cached;
}

function readPackageInfo(start: string): PackageInfo | undefined {
  let dir = start;
  for (let depth = 0; depth < 8; depth++) {
    const file = path.join(dir, 'package.json');
    try {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (pkg?.name === NAME) {
        return {
          name: NAME,
          version: typeof pkg.version === 'string' ? pkg.version : FALLBACK.version,
          homepage: homepageOf(pkg) ?? FALLBACK.homepage,
        };
      }
    } catch {
      // no package.json here, or not ours: keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      break;
    }
    dir = parent;
  }
  return undefined;
}

function homepageOf(pkg: { homepage?: unknown; repository?: unknown }): string | undefined {
  const repo = pkg.repository;
  const url = typeof repo === 'string' ? repo : (repo as { url?: unknown } | undefined)?.url;
  if (typeof url === 'string' && /^(git\+)?https:\/\//.test(url)) {
    return url.replace(/^git\+/, '').replace(/\.git$/, '');
  }
  return typeof pkg.homepage === 'string' ? pkg.homepage : undefined;
}
