#!/usr/bin/env bash
# The Go binding, end to end: the jsii assembly, the Go module jsii-pacmak generates from it
# (dist/go/cdkhardenedeks), `go build` and `go vet` of that module, then the Go example
# (examples/go: the reference job, and tests that it has no IMDS findings and that a hop-limit-3
# override is found). Run from the repo root after `npm ci`; needs Go >= 1.26 (aws-cdk-go v2.276.0
# says `go 1.26`) and the Go module proxy.
#
# Why not `npx projen package:go` alone: it generates dist/go/cdkhardenedeks, then its build step
# fails, because two of the library's jsii dependencies have no Go module on the proxy this build
# uses (github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2 v2.70.0 and
# github.com/cdklabs/awscdk-kubectl-go/kubectlv36/v2 v2.0.1: 403 "not available"). So the same
# jsii-pacmak run also generates those two Go modules from their npm packages in node_modules
# (dist/go/cdk8s, dist/go/kubectlv36) and builds the library against them; dist/go/cdkhardenedeks
# is byte-for-byte what `npx projen package:go` writes. examples/go/go.mod points at all three
# with `replace`.
set -euo pipefail
# The jsii runtime warns that Node 20 is past its end of life (the library supports Node 20 and up).
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
cd "$(dirname "$0")/.."
root=$PWD

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
step() { # step NAME CMD...: run CMD, record its wall-clock time under NAME
  local name=$1; shift
  echo "::: $name: $*"
  local t0; t0=$(now)
  "$@"
  local secs; secs=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
  printf '%-34s %7ss\n' "$name" "$secs" >> "$work/timings"
}

command -v go >/dev/null || { echo "test-go: no 'go' on PATH" >&2; exit 1; }
echo "go: $(go version); GOMODCACHE=$(go env GOMODCACHE); GOCACHE=$(go env GOCACHE); GOPROXY=$(go env GOPROXY)"

# 1. The jsii assembly (.jsii; a fresh clone has none), then the Go modules.
step "projen compile (jsii)" npx projen compile
rm -rf dist/go
step "jsii-pacmak --target go" npx jsii-pacmak -v --target go --outdir dist \
  . node_modules/cdk8s node_modules/@aws-cdk/lambda-layer-kubectl-v36
test -f dist/go/cdkhardenedeks/go.mod || { echo "test-go: no dist/go/cdkhardenedeks/go.mod" >&2; exit 1; }
echo "--- dist/go/cdkhardenedeks/go.mod"; cat dist/go/cdkhardenedeks/go.mod

# 2. The generated module on its own. A throw-away workspace outside the repo supplies the two
# replaces (go.mod as generated has none); dist/go is left as jsii-pacmak wrote it.
cat > "$work/go.work" <<WORK
go 1.26

use $root/dist/go/cdkhardenedeks

replace github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2 => $root/dist/go/cdk8s

replace github.com/cdklabs/awscdk-kubectl-go/kubectlv36/v2 => $root/dist/go/kubectlv36
WORK
(
  cd dist/go/cdkhardenedeks
  export GOWORK="$work/go.work"
  step "go mod download (module)" go mod download
  step "go build ./... (module)" go build ./...
  step "go vet ./... (module)" go vet ./...
)

# 3. The example: the reference job and its tests.
(
  cd examples/go
  export GOWORK=off
  # Cloud assemblies go to the throw-away directory (the default is a new temp directory per app).
  export CDK_OUTDIR="$work/cdk.out"
  step "go test ./... (examples/go)" go test -count=1 -v ./...
  step "go run . (examples/go)" go run .
)

# 4. Sizes and timings.
echo "--- sizes"
for d in dist/go dist/go/*; do du -sh "$d"; done | sed 's/^/  /'
cdk_dir=$(cd examples/go && GOWORK=off go list -m -f '{{.Dir}}' github.com/aws/aws-cdk-go/awscdk/v2)
cdk_ver=$(cd examples/go && GOWORK=off go list -m -f '{{.Version}}' github.com/aws/aws-cdk-go/awscdk/v2)
cdk_zip="$(go env GOMODCACHE)/cache/download/github.com/aws/aws-cdk-go/awscdk/v2/@v/$cdk_ver.zip"
echo "  aws-cdk-go/awscdk/v2 $cdk_ver: $(du -sh "$cdk_dir" | cut -f1) unpacked ($cdk_dir), $(du -sh "$cdk_zip" | cut -f1) zip"
echo "--- timings (wall clock)"
sed 's/^/  /' "$work/timings"
