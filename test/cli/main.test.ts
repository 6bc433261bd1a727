import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import * as auditPathsModule from '../../src/checks/sources/audit-paths';
import { runCli } from '../../src/cli/main';
import { cleanUp, FIXTURES, tempFiles } from '../support/temp-files';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(...argv: string[]): Run {
  let stdout = '';
  let stderr = '';
  const code = runCli(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

/** Exit 2 with exactly one line on stderr, no stack trace, nothing on stdout. */
function expectUsageError(run: Run, message: string | RegExp) {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.endsWith('\n')).toBe(true);
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stderr.trimEnd()).toMatch(message);
}

const ASSEMBLY = path.join(FIXTURES, 'assemblies', 'nested-stage');
const PROD_ONLY = path.join(ASSEMBLY, 'assembly-Prod');
const WORKLOADS = path.join(FIXTURES, 'manifests', 'karpenter-and-workloads.yaml');

const SAFE_TEMPLATE = JSON.stringify({
  Resources: {
    Lt: {
      Type: 'AWS::EC2::LaunchTemplate',
      Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 } } },
    },
  },
});
const HOST_NETWORK_ONLY = [
  'apiVersion: apps/v1',
  'kind: DaemonSet',
  'metadata: {name: agent, namespace: monitoring}',
  'spec:',
  '  template:',
  '    spec:',
  '      hostNetwork: true',
  '      containers: [{name: a, image: x}]',
  '',
].join('\n');

afterAll(cleanUp);

describe('cdk-hardened-eks audit: exit codes', () => {
  test('exits 0 when nothing is found', () => {
    const dir = tempFiles({ 'safe.json': SAFE_TEMPLATE });
    const run = cli('audit', path.join(dir, 'safe.json'));
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('PASS: 0 errors, 0 warnings, 0 acknowledged');
  });

  test('exits 1 when an error is found', () => {
    const run = cli('audit', ASSEMBLY);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('[HopLimitAboveOne] LegacyLaunchTemplate');
    expect(run.stdout.trimEnd().split('\n').pop()).toMatch(/^FAIL: 3 errors/);
  });

  test('exits 1 when any of several paths has an error', () => {
    const dir = tempFiles({ 'safe.json': SAFE_TEMPLATE });
    expect(cli('audit', path.join(dir, 'safe.json'), PROD_ONLY).code).toBe(1);
  });

  test('exits 0 on warnings only with the default --fail-on error', () => {
    const dir = tempFiles({ 'ds.yaml': HOST_NETWORK_ONLY });
    const run = cli('audit', path.join(dir, 'ds.yaml'));
    expect(run.stdout).toContain('[HostNetworkPod] DaemonSet/agent');
    expect(run.code).toBe(0);
  });

  test('--fail-on warning exits 1 on a warning', () => {
    const dir = tempFiles({ 'ds.yaml': HOST_NETWORK_ONLY });
    expect(cli('audit', path.join(dir, 'ds.yaml'), '--fail-on', 'warning').code).toBe(1);
    expect(cli('audit', '--fail-on=warning', path.join(dir, 'ds.yaml')).code).toBe(1);
  });

  test('--fail-on never exits 0 even on errors, and still reports them', () => {
    const run = cli('audit', ASSEMBLY, '--fail-on', 'never');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('[NodegroupDefaultLaunchTemplate] DefaultNodegroup');
  });
});

describe('cdk-hardened-eks audit --format json', () => {
  test('prints one object: findings with the contract fields, and a summary', () => {
    const run = cli('audit', ASSEMBLY, WORKLOADS, '--format', 'json');
    expect(run.code).toBe(1);
    const output = JSON.parse(run.stdout);
    expect(Object.keys(output)).toEqual(['findings', 'summary']);
    for (const f of output.findings) {
      expect(typeof f.ruleId).toBe('string');
      expect(['error', 'warning']).toContain(f.severity);
      expect(typeof f.file).toBe('string');
      expect(typeof f.message).toBe('string');
    }
    const legacy = output.findings.find((f: any) => f.resource === 'LegacyLaunchTemplate');
    expect(legacy).toMatchObject({
      ruleId: 'HopLimitAboveOne',
      severity: 'error',
      file: path.join(ASSEMBLY, 'Root.template.json'),
      stack: 'Root',
    });
    expect('object' in legacy).toBe(false);
    const nodeClass = output.findings.find((f: any) => f.object === 'EC2NodeClass/legacy');
    expect(nodeClass).toMatchObject({ ruleId: 'HopLimitAboveOne', file: WORKLOADS });
    expect('resource' in nodeClass).toBe(false);
    expect(output.summary).toMatchObject({ errors: 4, warnings: 1, acknowledged: 0, total: 5, failOn: 'error', failed: true });
    expect(output.summary.files).toHaveLength(4);
  });

  test('records the --fail-on threshold in the summary', () => {
    const output = JSON.parse(cli('audit', WORKLOADS, '--format', 'json', '--fail-on', 'never').stdout);
    expect(output.summary).toMatchObject({ failOn: 'never', failed: false, failing: 0 });
  });
});

describe('cdk-hardened-eks audit --format sarif', () => {
  test('prints a SARIF 2.1.0 log with one result per finding and lines read from the files', () => {
    const run = cli('audit', PROD_ONLY, '-f', 'sarif');
    expect(run.code).toBe(1);
    const log = JSON.parse(run.stdout);
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0].results.map((r: any) => r.ruleId)).toEqual(['NodegroupDefaultLaunchTemplate']);
    const file = path.join(PROD_ONLY, 'ProdPlatform1A2B3C4D.template.json');
    const line = log.runs[0].results[0].locations[0].physicalLocation.region.startLine;
    // The finding is about a missing LaunchTemplate: it points into the node group's block.
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(line).toBeGreaterThan(lines.findIndex((l) => l.includes('"DefaultNodegroup"')));
    expect(line).toBeLessThan(lines.findIndex((l) => l.includes('"SafeLaunchTemplate"')) + 1);
  });
});

describe('cdk-hardened-eks: bad usage and unreadable input exit 2 with one line on stderr', () => {
  test('a missing file', () => {
    expectUsageError(cli('audit', 'no/such/template.json'), 'cdk-hardened-eks: no such file: no/such/template.json');
  });

  test('malformed JSON, with line and column', () => {
    const dir = tempFiles({ 'bad.json': '{\n  "Resources": {\n    "A": }\n}\n' });
    expectUsageError(
      cli('audit', path.join(dir, 'bad.json')),
      `cdk-hardened-eks: cannot parse JSON in ${path.join(dir, 'bad.json')} at line 3, column 10: unexpected '}'`,
    );
  });

  test('malformed YAML, with line and column', () => {
    const dir = tempFiles({ 'bad.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [web\n' });
    expectUsageError(
      cli('audit', path.join(dir, 'bad.yaml')),
      /^cdk-hardened-eks: cannot parse YAML in .*bad\.yaml at line \d+, column \d+: \S.*$/,
    );
  });

  test('a directory that is not a cloud assembly', () => {
    const dir = tempFiles({ 'readme.txt': 'not an assembly' });
    expectUsageError(cli('audit', dir), `cdk-hardened-eks: directory ${dir} is not a cloud assembly (no manifest.json)`);
  });

  test('a file that is neither a template nor a manifest', () => {
    const dir = tempFiles({ 'values.yaml': 'replicaCount: 1\n' });
    expectUsageError(cli('audit', path.join(dir, 'values.yaml')), /is neither a CloudFormation template .* nor a Kubernetes manifest/);
  });

  test('no readable output is printed when one of several paths is unreadable', () => {
    expectUsageError(cli('audit', ASSEMBLY, 'missing.yaml'), 'cdk-hardened-eks: no such file: missing.yaml');
  });

  test('no command', () => {
    expectUsageError(cli(), /^cdk-hardened-eks: missing command/);
  });

  test('an unknown command', () => {
    expectUsageError(cli('scan', ASSEMBLY), /^cdk-hardened-eks: unknown command 'scan'/);
  });

  test('audit without a path', () => {
    expectUsageError(cli('audit'), /^cdk-hardened-eks: audit needs at least one path/);
  });

  test('an unknown --format', () => {
    expectUsageError(cli('audit', ASSEMBLY, '--format', 'xml'), "cdk-hardened-eks: --format must be one of text, json, sarif, not 'xml' (see cdk-hardened-eks --help)");
  });

  test('an unknown --fail-on', () => {
    expectUsageError(cli('audit', ASSEMBLY, '--fail-on', 'info'), /--fail-on must be one of error, warning, never, not 'info'/);
  });

  test('an option without its value', () => {
    expectUsageError(cli('audit', ASSEMBLY, '--fail-on'), /^cdk-hardened-eks: option '--fail-on <value>' argument missing/);
  });

  test('an unknown option', () => {
    expectUsageError(cli('audit', ASSEMBLY, '--strict'), "cdk-hardened-eks: unknown option '--strict' (see cdk-hardened-eks --help)");
  });
});

describe('cdk-hardened-eks: an internal error', () => {
  test('exits 2 with one line that says it is a bug, no stack trace', () => {
    const spy = jest.spyOn(auditPathsModule, 'auditPaths').mockImplementation(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'Resources')\n    at audit (engine.ts:1:1)");
    });
    try {
      expectUsageError(
        cli('audit', ASSEMBLY),
        /^cdk-hardened-eks: internal error: Cannot read properties of undefined \(reading 'Resources'\) \(please report this at https:\/\/\S+\/issues\)$/,
      );
    } finally {
      spy.mockRestore();
    }
  });
});

describe('cdk-hardened-eks --help and --version', () => {
  test('--help prints the usage on stdout and exits 0', () => {
    const run = cli('--help');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^Usage: cdk-hardened-eks audit <path>\.\.\. \[--format text\|json\|sarif\] \[--fail-on error\|warning\|never\]/);
    expect(run.stdout).toContain('HopLimitAboveOne');
    expect(cli('audit', '-h').stdout).toBe(run.stdout);
  });

  test('--version prints the package version', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    expect(cli('--version')).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });
});

describe('guardrails', () => {
  test('prints the admission policies as YAML documents by default, Deny, kube-system allowed', () => {
    const run = cli('guardrails');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const docs = YAML.parseAllDocuments(run.stdout).map((d) => d.toJS());
    expect(docs.map((d: any) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'ValidatingAdmissionPolicy/cdk-hardened-eks-ec2nodeclass-imds', 'ValidatingAdmissionPolicyBinding/cdk-hardened-eks-ec2nodeclass-imds',
      'ValidatingAdmissionPolicy/cdk-hardened-eks-host-network-pods', 'ValidatingAdmissionPolicyBinding/cdk-hardened-eks-host-network-pods',
    ]);
    expect(docs[1].spec.validationActions).toEqual(['Deny']);
    expect(docs[3].spec.matchResources.namespaceSelector.matchExpressions[0].values).toEqual(['kube-system']);
  });

  test('--format json --action warn --host-network-namespace: the same objects as JSON, Warn + Audit, the namespaces given', () => {
    const run = cli('guardrails', '--format', 'json', '--action', 'warn', '--host-network-namespace', 'kube-system', '--host-network-namespace', 'monitoring');
    const objects = JSON.parse(run.stdout);
    expect(objects[1].spec.validationActions).toEqual(['Warn', 'Audit']);
    expect(objects[3].spec.matchResources.namespaceSelector.matchExpressions[0].values).toEqual(['kube-system', 'monitoring']);
  });

  test('--scp prints the service control policy; bad options are usage errors', () => {
    const scp = JSON.parse(cli('guardrails', '--scp').stdout);
    expect(scp.Statement.map((s: any) => s.Sid)).toEqual(['DenyInstancesWithHopLimitAboveOne', 'DenyInstancesWithImdsV1']);
    expectUsageError(cli('guardrails', '--scp', '--format', 'yaml'), /--scp prints the policy as JSON/);
    expectUsageError(cli('guardrails', '--action', 'block'), /--action must be one of deny, warn, not 'block'/);
    expectUsageError(cli('guardrails', 'cdk.out'), /guardrails takes no paths/);
  });
});
