#!/usr/bin/env bash
# Packs the library as npm would publish it, checks what the tarball holds, then installs it into
# fresh apps (one per aws-cdk-lib version given: the floor and the newest) made like `cdk init`
# makes them (its feature flags in cdk.json, an explicit environment) and synthesizes the
# reference job there with the pinned aws-cdk CLI, auditing the result with the installed CLI.
# Usage: scripts/test-package.sh <aws-cdk-lib version>...
set -euo pipefail
(($# > 0)) || { echo "usage: test-package.sh <aws-cdk-lib version>..." >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cli_version="$(node -p "require('./package.json').devDependencies['aws-cdk']")"
cdk8s_version="$(node -p "require('./package.json').devDependencies['cdk8s']")"

npx projen compile
npx projen package:js
tarball="$(ls "$root"/dist/js/*.tgz | head -n 1)"

# What the tarball holds: the compiled library, its jsii manifest and docs, the vendored CRDs the
# Karpenter construct reads at synth time; nothing from cdk.out, rosetta fixtures, tests, examples.
list="$(tar -tzf "$tarball" | sed 's|^package/||' | sort)"
fail=0
for required in lib/index.js lib/index.d.ts lib/cli/main.js .jsii API.md README.md LICENSE package.json \
  crds/karpenter.k8s.aws_ec2nodeclasses.yaml crds/karpenter.sh_nodepools.yaml crds/karpenter.sh_nodeclaims.yaml; do
  grep -qx "$required" <<<"$list" || { echo "test-package: the tarball lacks $required" >&2; fail=1; }
done
forbidden="$(grep -E '^(cdk\.out|rosetta|test|examples|bench|docs|scripts|src|\.tmp|coverage|\.ci)/|\.bench\.json$|^cdk\.json$|\.ts$' <<<"$list" | grep -v '\.d\.ts$' || true)"
if [[ -n "$forbidden" ]]; then
  echo "test-package: the tarball holds files it must not:" >&2
  echo "$forbidden" | head -n 20 >&2
  fail=1
fi
((fail == 0)) || exit 1
echo "test-package: $(basename "$tarball"): $(wc -l <<<"$list") files, $(du -k "$tarball" | cut -f1) KiB packed"
# Files per top-level entry (lib/, crds/, node_modules/yaml: the bundled YAML parser, ...).
echo "$list" | sed -E 's|^(node_modules/[^/]+)/.*|\1/|; s|^([^/]+)/.*|\1/|' | sort | uniq -c | sed 's/^/  /'

for version in "$@"; do
  app="$(mktemp -d "${TMPDIR:-/tmp}/cdk-hardened-eks-app.XXXXXX")"
  trap 'rm -rf "$app"' EXIT
  echo "test-package: a fresh app on aws-cdk-lib $version in $app"
  cp "$root/test/fixtures/cdk-init/cdk.json" "$app/cdk.json"
  # The context a first `cdk synth` with credentials would have cached (the VPC's zones).
  cp "$root/test/fixtures/package-app/app.js" "$root/test/fixtures/package-app/cdk.context.json" "$app/"
  (
    cd "$app"
    node -e '
      const fs = require("fs");
      const c = JSON.parse(fs.readFileSync("cdk.json", "utf8"));
      c.app = "node app.js";
      fs.writeFileSync("cdk.json", JSON.stringify(c, null, 2));
      fs.writeFileSync("package.json", JSON.stringify({ name: "fresh-app", version: "0.1.0", private: true }, null, 2));
    '
    npm install --no-audit --no-fund --loglevel=error \
      "$tarball" "aws-cdk-lib@$version" "constructs@^10" "cdk8s@$cdk8s_version" "aws-cdk@$cli_version"
    node -e "const v = require('aws-cdk-lib/package.json').version; if (v !== process.argv[1]) { console.error('test-package: installed aws-cdk-lib ' + v); process.exit(1); }" "$version"
    npx cdk synth --quiet
    npx cdk-hardened-eks audit cdk.out
  )
  rm -rf "$app"
  trap - EXIT
done
