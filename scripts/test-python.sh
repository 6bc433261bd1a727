#!/usr/bin/env bash
# The Python binding, as a Python team gets it: builds the wheel with the project's own task
# (package:python), installs it into a fresh virtual environment next to aws-cdk-lib and cdk8s
# from PyPI, runs the reference job's pytest suite (examples/python/tests), then synthesizes
# examples/python/app.py (the IMDS checker aspect on) and audits that cloud assembly with the CLI.
# The suite runs once per aws-cdk-lib release given (the floor and the newest on PyPI), each in a
# venv of its own; the app, the audit and the README's snippets run on the last one.
# Usage: scripts/test-python.sh <aws-cdk-lib version>...
set -euo pipefail
(($# > 0)) || { echo "usage: test-python.sh <aws-cdk-lib version>..." >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# The jsii runtime warns that Node 20 is past its end of life (the library supports Node 20 and up).
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export PIP_DISABLE_PIP_VERSION_CHECK=1

seconds() { date +%s%N; }
elapsed() { local tenths=$((($(date +%s%N) - $1) / 100000000)); echo "$((tenths / 10)).$((tenths % 10)) s"; }

t=$(seconds)
npx projen compile
rm -rf dist/python
npx projen package:python
wheel="$(ls "$root"/dist/python/*.whl | head -n 1)"
echo "test-python: $(basename "$wheel"): $(du -k "$wheel" | cut -f1) KiB ($(elapsed "$t") to compile and package)"

for version in "$@"; do
  venv="$root/.tmp/python-venv-$version"
  rm -rf "$venv"
  python3 -m venv "$venv"
  t=$(seconds)
  "$venv/bin/pip" install --quiet "$wheel" -r examples/python/requirements.txt "aws-cdk-lib==$version"
  echo "test-python: installed into a fresh virtual environment in $(elapsed "$t"): $("$venv/bin/pip" list 2>/dev/null | grep -E '^(aws-cdk-lib|cdk8s|cdk-hardened-eks|jsii) ' | tr -s ' ' | paste -sd, -)"

  t=$(seconds)
  (cd examples/python && "$venv/bin/python" -m pytest -q -p no:cacheprovider tests)
  echo "test-python: pytest passed on aws-cdk-lib $version in $(elapsed "$t")"
done

out="$root/.tmp/python-cdk.out"
rm -rf "$out"
t=$(seconds)
(cd examples/python && CDK_OUTDIR="$out" "$venv/bin/python" app.py)
echo "test-python: examples/python/app.py synthesized in $(elapsed "$t")"
node lib/cli/main.js audit "$out"

# The README's Python snippets, run as they are written (each must synthesize and pass its asserts).
snippets="$root/.tmp/readme-python"
rm -rf "$snippets"
mkdir -p "$snippets"
node -e '
  const fs = require("fs");
  const blocks = [...fs.readFileSync("README.md", "utf8").matchAll(/^```python\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  if (blocks.length === 0) { console.error("test-python: the README has no ```python block"); process.exit(1); }
  blocks.forEach((b, i) => fs.writeFileSync(`${process.argv[1]}/snippet_${i + 1}.py`, b));
' "$snippets"
for snippet in "$snippets"/snippet_*.py; do
  t=$(seconds)
  (cd "$snippets" && CDK_OUTDIR="$snippets/cdk.out.$(basename "$snippet" .py)" "$venv/bin/python" "$snippet")
  echo "test-python: README $(basename "$snippet") ran in $(elapsed "$t")"
done
