import * as fs from 'fs';
import * as path from 'path';

let cached: string | undefined;

/** This package's version, read from its package.json (works from `lib/` and from `src/`). */
export function packageVersion(): string {
  if (cached === undefined) {
    cached = '0.0.0';
    for (const candidate of [path.join(__dirname, '..', '..', 'package.json'), path.join(__dirname, '..', 'package.json')]) {
      try {
        const pkg = JSON.parse(fs.readFileSync(candidate, 'utf-8'));
        if (pkg.name === 'cdk-hardened-eks' && typeof pkg.version === 'string') {
          cached = pkg.version;
          break;
        }
      } catch {
        // try the next candidate
      }
    }
  }
  return cached ?? '0.0.0';
}
