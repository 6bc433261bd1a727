#!/usr/bin/env bash
# The Java binding, end to end: package the library for Java with jsii-pacmak (always afresh), then
# compile the reference job in examples/java against that jar and run its JUnit tests with Maven.
#
# Usage, from the repository root after `npm ci`:   bash scripts/test-java.sh
# Needs: node (also at test time: jsii runs the library's JavaScript in a node child process),
# Java 17+, Maven 3.8+, Maven Central. Uses the default Maven local repository (~/.m2/repository,
# or $MAVEN_REPO_LOCAL when set).
set -euo pipefail

ROOT="$(pwd)"
if [[ ! -f "$ROOT/package.json" || ! -f "$ROOT/examples/java/pom.xml" ]]; then
  echo "test-java.sh: run from the repository root (package.json and examples/java/pom.xml)" >&2
  exit 2
fi
for tool in node npx mvn java; do
  command -v "$tool" >/dev/null || { echo "test-java.sh: $tool not found on PATH" >&2; exit 2; }
done

# jsii (the compiler, pacmak and the Java runtime's node child) prints a banner on each start under an
# end-of-life node (20 here): once is enough, in this line.
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
echo "node $(node --version), $(java -version 2>&1 | head -1), $(mvn -v 2>/dev/null | head -1)"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-$NODE_MAJOR}"

VERSION="$(node -p 'require("./package.json").version')"
GROUP_PATH="io/github/cdk-hardened-eks/cdk-hardened-eks"
JAR="dist/java/$GROUP_PATH/$VERSION/cdk-hardened-eks-$VERSION.jar"
LAYER_DIR="node_modules/@aws-cdk/lambda-layer-kubectl-v36"
LOCAL_REPO="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}"
MVN_ARGS=(-B)
if [[ -n "${MAVEN_REPO_LOCAL:-}" ]]; then
  MVN_ARGS+=("-Dmaven.repo.local=$MAVEN_REPO_LOCAL")
fi

[[ -f "$LAYER_DIR/.jsii" ]] || { echo "test-java.sh: $LAYER_DIR not installed: run npm ci first" >&2; exit 2; }

echo "== compile (jsii)"
npx projen compile

# `npx projen package:java` runs `jsii-pacmak -v --target java`, whose Maven build needs
# software.amazon.awscdk:cdk-lambda-layer-kubectl-v36 [2.0.1,3.0.0), which Maven Central does not
# serve. So the same command also packages that dependency from node_modules, in the same run (pacmak
# resolves one module against the other); each goes to its own package's dist/java, so the repository's
# dist/java holds only our artifact, as projen's task leaves it.
echo "== package:java (jsii-pacmak, library + @aws-cdk/lambda-layer-kubectl-v36)"
rm -rf dist/java "$LAYER_DIR/dist/java"
pack_start=$(date +%s)
npx jsii-pacmak . "$LAYER_DIR" -v --target java
pack_secs=$(( $(date +%s) - pack_start ))
[[ -f "$JAR" ]] || { echo "test-java.sh: jsii-pacmak did not write $JAR" >&2; exit 1; }
jar_bytes=$(stat -c %s "$JAR")

# The version is a release (0.0.0) that Maven caches in the local repository for good: drop the copies
# an earlier run took, or Maven tests the old jar. The local repository is the one Maven itself uses
# (settings.xml, MAVEN_OPTS and .mvn/maven.config included), and only the two versions built here go.
if [[ -z "${MAVEN_REPO_LOCAL:-}" ]]; then
  LOCAL_REPO="$( (cd examples/java && mvn -B -q -Dstyle.color=never help:evaluate -Dexpression=settings.localRepository -DforceStdout 2>/dev/null || true) \
    | sed 's/\x1b\[[0-9;]*m//g')"
  [[ -d "$LOCAL_REPO" ]] || LOCAL_REPO="$HOME/.m2/repository"
fi
LAYER_VERSION="$(node -p "require('./$LAYER_DIR/package.json').version")"
rm -rf "$LOCAL_REPO/$GROUP_PATH/$VERSION" "$LOCAL_REPO/software/amazon/awscdk/cdk-lambda-layer-kubectl-v36/$LAYER_VERSION"

echo "== mvn test (examples/java)"
rm -rf examples/java/target/surefire-reports
test_start=$(date +%s)
set +e
(
  cd examples/java
  mvn "${MVN_ARGS[@]}" \
    "-Dcdkhardenedeks.repo=file://$ROOT/dist/java" \
    "-Dcdkhardenedeks.version=$VERSION" \
    "-Dkubectllayer.repo=file://$ROOT/$LAYER_DIR/dist/java" \
    clean test
)
rc=$?
set -e
test_secs=$(( $(date +%s) - test_start ))

# Counts from Surefire's reports.
tests=0; failed=0; skipped=0
shopt -s nullglob
for report in examples/java/target/surefire-reports/TEST-*.xml; do
  head="$(grep -m1 -o '<testsuite [^>]*>' "$report" || true)"
  attr() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$head"; }
  tests=$(( tests + $(attr tests) ))
  failed=$(( failed + $(attr failures) + $(attr errors) ))
  skipped=$(( skipped + $(attr skipped) ))
done

echo
echo "jar: $JAR ($jar_bytes bytes)"
echo "package:java: ${pack_secs}s; mvn test: ${test_secs}s (exit $rc)"
echo "java: $(( tests - failed - skipped )) passed, $failed failed, $skipped skipped"
if (( rc == 0 && tests == 0 )); then
  echo "test-java.sh: Maven ran no test" >&2
  exit 1
fi
exit "$rc"
