#!/usr/bin/env bash
# Runs the test suite against the lowest aws-cdk-lib the library supports (the peer dependency
# floor), in a copy of the project so the working tree keeps the newest release.
# Usage: scripts/test-floor.sh <aws-cdk-lib version>
set -euo pipefail
floor="${1:?usage: test-floor.sh <aws-cdk-lib version>}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/cdk-hardened-eks-floor.XXXXXX")"
trap 'rm -rf "$work"' EXIT

cd "$root"
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$work" 2>/dev/null || true
# Reuse the installed tree (no second download of everything), aws-cdk-lib aside: its entries leave
# the lock file, so npm resolves the floor release with the dependencies the newest one bundles.
mkdir -p "$work/node_modules"
for entry in node_modules/* node_modules/.bin; do
  case "$entry" in node_modules/aws-cdk-lib) ;; *) cp -a "$entry" "$work/node_modules/" ;; esac
done

cd "$work"
npm pkg set "devDependencies.aws-cdk-lib=$floor"
node -e '
  const fs = require("fs");
  const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
  for (const key of Object.keys(lock.packages)) {
    if (key === "node_modules/aws-cdk-lib" || key.startsWith("node_modules/aws-cdk-lib/")) delete lock.packages[key];
  }
  fs.writeFileSync("package-lock.json", JSON.stringify(lock, null, 2));
'
# cdk-nag 3 (a dev-only oracle, skipped on releases without native acknowledgements) asks for a
# newer aws-cdk-lib than the floor; nothing the library ships depends on it.
npm install --no-audit --no-fund --loglevel=error --legacy-peer-deps
installed="$(node -p "require('aws-cdk-lib/package.json').version")"
if [[ "$installed" != "$floor" ]]; then
  echo "test-floor: expected aws-cdk-lib $floor, got $installed" >&2
  exit 1
fi
echo "test-floor: running the test suite against aws-cdk-lib $installed"
npx jest --coverage=false --ci
