import * as fs from 'fs';
import { awscdk, DependencyType, javascript, JsonFile } from 'projen';

/** The aws-cdk CLI that can read the cloud assembly aws-cdk-lib 2.276 writes (3.0.0 cannot). */
const CDK_CLI_VERSION = '2.1148.1';
/**
 * The lowest aws-cdk-lib the library supports (the peer dependency floor): the first release with
 * `IPolicyValidationPlugin`, the type the validation plugin implements. aws-eks-v2 is stable from
 * 2.240.0, but the Python package cannot even be imported on a release without that type (its
 * class declaration names it), and Java and Go need it to load and build. `.ci/run` runs the whole
 * test suite, the packed tarball and the Python binding against it as well as the newest release.
 */
const CDK_FLOOR = '2.251.0';
/** The aws-cdk-lib the library is built and tested with (the newest release). */
const CDK_LATEST = '2.276.0';
/**
 * A release between the two whose `Validations.acknowledge()` rejects cdk-nag's ids (2.252.0 to
 * 2.268.0, aws/aws-cdk#38787) and the newest aws-cdk-lib on Maven Central here: the packed tarball
 * is installed into a fresh app on it too.
 */
const CDK_MIDDLE = '2.263.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-hardened-eks',
  description:
    'EKS on aws-cdk-lib/aws-eks-v2 where no pod can read the node role: IMDSv2 with hop limit 1 on every node path, ' +
    'and a checker (CDK Aspect, policy-validation plugin, CLI) that flags any hop limit that can be above 1.',
  author: 'cdk-hardened-eks maintainers',
  authorAddress: 'maintainers@cdk-hardened-eks.dev',
  repositoryUrl: 'https://github.com/cdk-hardened-eks/cdk-hardened-eks.git',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  keywords: ['cdk', 'aws-cdk', 'eks', 'imds', 'imdsv2', 'karpenter', 'pod-identity', 'irsa', 'security'],
  license: 'Apache-2.0',

  cdkVersion: CDK_FLOOR,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  // jsii 6 compiles with TypeScript 6; TypeScript 7 has no JS API (ts-node and ts-jest break on it).
  typescriptVersion: '~6.0.0',
  minNodeVersion: '20.0.0',

  publishToPypi: { distName: 'cdk-hardened-eks', module: 'cdk_hardened_eks' },
  publishToMaven: {
    javaPackage: 'io.github.cdkhardenedeks',
    mavenGroupId: 'io.github.cdk-hardened-eks',
    mavenArtifactId: 'cdk-hardened-eks',
  },
  publishToNuget: { dotNetNamespace: 'CdkHardenedEks', packageId: 'CdkHardenedEks' },
  publishToGo: { moduleName: 'github.com/cdk-hardened-eks/cdk-hardened-eks-go' },

  // The YAML parser reads CloudFormation templates with short-form tags and multi-document
  // Kubernetes manifests; it has no dependencies of its own, so bundling it is cheap. js-yaml
  // reads what the yaml library refuses by the spec and CloudFormation accepts (a quoted scalar
  // continued at its key's column, as published Quick Start templates have it).
  bundledDeps: ['yaml@^2.8.0', 'js-yaml@^4.1.0'],
  // Karpenter objects are cdk8s types generated from the vendored CRDs; the kubectl handler layer
  // matches the default Kubernetes version (one layer, not one per version).
  deps: ['@aws-cdk/lambda-layer-kubectl-v36@^2.0.1'],
  // cdk8s types (ApiObject) appear in the public API through the generated Karpenter types.
  peerDeps: ['cdk8s@^2.70.0'],
  // Peers are built against the versions named below (aws-cdk-lib: CDK_LATEST), not pinned to their floors.
  peerDependencyOptions: { pinnedDevDependency: false },
  devDeps: [
    `aws-cdk@${CDK_CLI_VERSION}`,
    '@types/js-yaml@^4.0.9',
    'cdk8s@2.70.0',
    // Independent oracle: cfn-guard binary + AWS Control Tower IMDS rules.
    '@cdklabs/cdk-validator-cfnguard@^0.0.62',
    // Property-based tests of the engine and the aspect.
    'fast-check@^4.3.0',
    // SARIF: types for the formatter, and the 2.1.0 JSON schema (shipped in jest-sarif) + ajv to validate output.
    '@types/sarif@^2.1.7',
    '@microsoft/jest-sarif@1.0.0-beta.0',
    'ajv@^8.17.1',
    // Generates src/imports from the vendored Karpenter CRDs (offline).
    'cdk8s-cli@^2.207.0',
    // CEL evaluator: the CRDs' x-kubernetes-validations as a test oracle.
    '@marcbachmann/cel-js@^8.0.0',
    // AwsSolutions pack over the hardened platform.
    'cdk-nag@^3.0.2',
    // Offline IAM policy evaluation: the controller policy's denies as IAM would decide them.
    '@cloud-copilot/iam-simulate@^0.1.173',
    // Kubernetes OpenAPI schemas (as validators) for the admission policy objects.
    'kubernetes-models@^5.1.0',
  ],
  bin: { 'cdk-hardened-eks': 'lib/cli/main.js' },

  gitignore: ['cdk.out', '*.bench.json', '.tmp/', '.jsii.tabl.json', '__pycache__/', '.pytest_cache/', '/examples/java/target/'],
  npmIgnoreOptions: { ignorePatterns: ['/examples/', '/bench/', '/docs/', '/.ci/', '/scripts/', '/cdk.out/', '/rosetta/', '/cdk.json', '/.tmp/', '*.bench.json'] },
  jestOptions: {
    jestConfig: {
      // Synth-heavy suites: give them room on a 2-core machine, never hide a hang.
      testTimeout: 120_000,
      maxWorkers: 2,
      // One temporary directory per run, removed at the end (apps synthesized in tests write
      // their cloud assemblies to the system temp directory).
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  },
  tsconfigDev: {
    compilerOptions: {},
    include: ['../examples/**/*.ts', '../bench/**/*.ts', '../scripts/**/*.ts'],
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'bench', 'scripts', 'projenrc', '.projenrc.ts'],
    ignorePatterns: ['src/imports/**'],
  },
  githubOptions: { mergify: false },
});

// README examples must compile: rosetta in strict mode, run as part of the build.
project.tryFindObjectFile('package.json')?.addOverride('jsii.metadata.jsii.rosetta.strict', true);
const rosetta = project.addTask('rosetta:extract', {
  description: 'Compile every README example in strict mode (jsii-rosetta)',
  exec: 'jsii-rosetta extract --strict --compile',
});
project.postCompileTask.spawn(rosetta);

// The rule table in the README is generated from the rule catalogue (one source of truth).
const readmeRules = project.addTask('readme:rules', {
  description: 'Regenerate the README rule table from the rule catalogue',
  exec: 'ts-node --project test/tsconfig.json scripts/readme-rules.ts',
});
project.preCompileTask.spawn(readmeRules);

// Main job: synthesize the example app offline and print the checker summary (zero findings).
const synthExample = (app: string) =>
  `cdk synth --quiet --app "ts-node --project test/tsconfig.json --prefer-ts-exts ${app}" --output cdk.out`;
project.addTask('example', {
  description: 'Synthesize the hardened platform (examples/app.ts) offline into cdk.out and print the IMDS checker summary',
  steps: [
    { exec: 'rm -rf cdk.out' },
    { exec: synthExample('examples/app.ts') },
    { exec: 'ts-node --project test/tsconfig.json src/cli/main.ts audit cdk.out' },
  ],
});
project.addTask('example:legacy', {
  description: 'Synthesize a legacy node fleet (examples/legacy-nodes.ts) and print what the checker finds in it',
  steps: [
    { exec: 'rm -rf cdk.out' },
    { exec: synthExample('examples/legacy-nodes.ts') },
    // The legacy stack's findings are the point of this demo: print them, do not fail on them.
    { exec: 'ts-node --project test/tsconfig.json src/cli/main.ts audit cdk.out --fail-on never' },
  ],
});

// Karpenter types: generated by cdk8s from the vendored CRDs (crds/README.md has their provenance).
project.addTask('import:karpenter', {
  description: 'Regenerate src/imports from the vendored Karpenter CRDs (offline)',
  steps: [
    { exec: 'cdk8s import crds/karpenter.k8s.aws_ec2nodeclasses.yaml -l typescript -o src/imports' },
    { exec: 'cdk8s import crds/karpenter.sh_nodepools.yaml -l typescript -o src/imports' },
  ],
});

const benchPlatform = project.addTask('bench:platform', {
  description: 'Benchmark: synth time of the reference platform app with the checker aspect and with cdk-nag AwsSolutions',
  exec: 'ts-node --project test/tsconfig.json bench/platform-aspect-overhead.ts',
});
const benchSynthetic = project.addTask('bench:synthetic', {
  description: 'Benchmark: synth time with and without the checker aspect on the synthetic worst case (N and 10N)',
  exec: 'ts-node --project test/tsconfig.json bench/aspect-overhead.ts',
});
const benchFirstSynth = project.addTask('bench:first-synth', {
  description: 'Benchmark: the first synth of the reference platform app in a fresh process (as `cdk synth` runs it), with the checker and with cdk-nag',
  exec: 'ts-node --project test/tsconfig.json bench/platform-first-synth.ts',
});
const bench = project.addTask('bench', {
  description: 'Benchmarks: the reference platform app next to cdk-nag (steady state, then a fresh process), then the synthetic worst case',
});
bench.spawn(benchPlatform);
bench.spawn(benchFirstSynth);
bench.spawn(benchSynthetic);
project.addTask('bench:inputs', {
  description: 'Benchmark: audit, report and parse cost on generated inputs at N and 10N (linear growth shows as a ratio near 10)',
  exec: 'ts-node --project test/tsconfig.json bench/input-scaling.ts',
});

// unrs-resolver (eslint-import-resolver-typescript) 1.13.0 lists platform bindings the npm registry
// mirror here does not serve, so `npm ci` rejects any lock file; 1.12.2 has all of them.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

// examples/, bench/ and scripts/ are type-checked (and linted) with the test configuration.
for (const dir of ['examples', 'bench', 'scripts']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: { extends: '../test/tsconfig.json', include: ['**/*.ts', '../src/**/*.ts'] },
  });
}

// `npx projen build` packages JavaScript only, so the build stays fast. The Python, Java and Go
// packages are built by their own tasks (package:python, package:java, package:go), which
// test:python, test:java and test:go run before testing each binding; .NET stays configured for
// the release pipeline (no .NET toolchain on our machines).
const packageJs = project.tasks.tryFind('package:js');
if (packageJs) {
  project.packageTask.reset();
  project.packageTask.spawn(packageJs);
}

// Build and test against the newest release; users may have anything from the floor up.
project.deps.removeDependency('aws-cdk-lib', DependencyType.BUILD);
project.deps.addDependency(`aws-cdk-lib@${CDK_LATEST}`, DependencyType.BUILD);
project.deps.addDependency('constructs@10.5.1', DependencyType.BUILD);
// Every jsii warning fails the build: a name reserved in a target language (Python, Java, C#, Go)
// breaks that language's users. The one warning silenced is metadata only: jsii suggests building on
// the floor itself (JSII6 metadata/missing-dev-dependency); the floor has its own job (test:floor),
// so the build stays on the newest release.
project.compileTask.reset('jsii --fail-on-warnings --silence-warnings=metadata/missing-dev-dependency');

// The feature flags `cdk init` writes (test/fixtures/cdk-init/cdk.json, vendored verbatim) are the
// repository's own cdk.json context too, so `npm run example` synthesizes the way a new app does.
new JsonFile(project, 'cdk.json', {
  obj: {
    app: 'ts-node --project test/tsconfig.json --prefer-ts-exts examples/app.ts',
    context: JSON.parse(fs.readFileSync('test/fixtures/cdk-init/cdk.json', 'utf8')).context,
  },
});

// The test jobs .ci/run runs: the suite on the newest aws-cdk-lib (npm test), on the floor, and the
// packed tarball in a fresh app.
project.addTask('test:floor', {
  description: `Run the test suite against the lowest supported aws-cdk-lib (${CDK_FLOOR}) in a copy of the project`,
  exec: `bash scripts/test-floor.sh ${CDK_FLOOR}`,
});
project.addTask('test:package', {
  description: 'Pack the library, check the tarball\'s file list, install it into fresh apps (floor, middle and newest aws-cdk-lib) and synthesize the reference job',
  exec: `bash scripts/test-package.sh ${CDK_FLOOR} ${CDK_MIDDLE} ${CDK_LATEST}`,
});

// The other jsii languages, each as its users get it: the package built with the project's own
// task (package:python, package:java, package:go) and a reference-job project under examples/
// that synthesizes against it and asserts zero findings. .ci/run runs the Python one.
project.addTask('test:python', {
  description: 'Build the Python wheel, install it into fresh virtual environments with aws-cdk-lib (floor and newest) and cdk8s from PyPI, run examples/python\'s pytest suite on each, then the app, its audit and the README\'s Python snippets',
  // The floor, and the newest aws-cdk-lib on PyPI (one release behind npm's CDK_LATEST here).
  exec: `bash scripts/test-python.sh ${CDK_FLOOR} 2.275.0`,
});

project.addTask('test:go', {
  description: 'Generate the Go module (jsii-pacmak), build and vet it, and run examples/go (the reference job and its go test)',
  exec: 'bash scripts/test-go.sh',
});

project.addTask('test:java', {
  description: 'Build the Java package (jsii-pacmak) and run examples/java\'s JUnit tests (the reference job) against it with Maven',
  exec: 'bash scripts/test-java.sh',
});

project.synth();
