// Files written by others (test/fixtures/real-world/PROVENANCE.md), through the CLI as a user runs
// it: what the checker contract says of each, exactly, and that what it judged was looked at (a
// file that passes because nothing in it was read would also have no findings).
import * as path from 'path';
import { runCliCapturing } from '../support/rule-harness';

const DIR = path.join(__dirname, '..', 'fixtures', 'real-world');

interface Expected {
  readonly file: string;
  readonly why: string;
  /** `severity:RuleId@resource-or-object`, sorted. */
  readonly findings: string[];
  /** Kinds the summary must count (at least once each). */
  readonly checked: string[];
}

const CASES: Expected[] = [
  {
    file: 'amazon-eks-ami/amazon-eks-nodegroup-2022-08.yaml',
    why: 'self-managed nodes: a launch template with hop limit 2 and HttpTokens optional unless a parameter says otherwise; the node role holds AmazonEKS_CNI_Policy',
    findings: ['error:HopLimitAboveOne@NodeLaunchTemplate', 'error:ImdsV1Allowed@NodeLaunchTemplate', 'warning:NodeRoleWorkloadPolicy@NodeInstanceRole'],
    checked: ['AWS::EC2::LaunchTemplate', 'AWS::AutoScaling::AutoScalingGroup', 'AWS::IAM::Role'],
  },
  {
    file: 'amazon-eks-ami/amazon-eks-nodegroup-2020-04.yaml',
    why: 'self-managed nodes from a launch configuration with no MetadataOptions: hop limit and tokens left to defaults',
    findings: ['error:HopLimitNotPinned@NodeLaunchConfig', 'error:TokensNotPinned@NodeLaunchConfig', 'warning:NodeRoleWorkloadPolicy@NodeInstanceRole'],
    checked: ['AWS::AutoScaling::LaunchConfiguration', 'AWS::AutoScaling::AutoScalingGroup', 'AWS::IAM::Role'],
  },
  {
    file: 'amazon-eks-ami/amazon-eks-managed-nodegroup-2022-06.yaml',
    why: 'a managed node group on an in-file launch template with hop limit 2 and HttpTokens optional (the node group follows it and adds nothing)',
    findings: ['error:HopLimitAboveOne@LaunchTemplate', 'error:ImdsV1Allowed@LaunchTemplate', 'warning:NodeRoleWorkloadPolicy@NodeInstanceRole'],
    checked: ['AWS::EC2::LaunchTemplate', 'AWS::EKS::Nodegroup', 'AWS::IAM::Role'],
  },
  {
    file: 'karpenter/v0.31.0-provisioner-general-purpose.yaml',
    why: 'a v1alpha5 Provisioner pointing at a v1alpha1 AWSNodeTemplate without metadataOptions (that version defaulted to hop limit 2)',
    findings: ['error:HopLimitNotPinned@AWSNodeTemplate/default'],
    checked: ['Provisioner (karpenter.sh/v1alpha5)', 'AWSNodeTemplate (karpenter.k8s.aws/v1alpha1)'],
  },
  {
    file: 'karpenter/v0.37.0-v1beta1-general-purpose.yaml',
    why: 'a v1beta1 EC2NodeClass without metadataOptions (v1beta1 defaulted to hop limit 2)',
    findings: ['error:HopLimitNotPinned@EC2NodeClass/default'],
    checked: ['EC2NodeClass (karpenter.k8s.aws/v1beta1)'],
  },
  {
    file: 'karpenter/v1.9.2-v1-general-purpose.yaml',
    why: 'a v1 EC2NodeClass without metadataOptions: the v1 CRD defaults to hop limit 1 with tokens required',
    findings: [],
    checked: ['EC2NodeClass (karpenter.k8s.aws/v1)'],
  },
  {
    file: 'karpenter/v1.9.2-v1-windows-2022.yaml',
    why: 'a v1 Windows EC2NodeClass, defaults as above',
    findings: [],
    checked: ['EC2NodeClass (karpenter.k8s.aws/v1)'],
  },
  {
    file: 'karpenter/v1.9.2-getting-started-cloudformation.yaml',
    why: 'the getting-started stack: the node role (an EC2 role without the CNI policy) and the controller policy, attached to no role of this template',
    findings: [],
    checked: ['AWS::IAM::Role', 'AWS::IAM::ManagedPolicy'],
  },
  {
    file: 'quickstart-amazon-eks/amazon-eks-advanced-configuration.template.yaml',
    why: 'a Quick Start template whose parameter descriptions are quoted scalars continued at the key\'s column (CloudFormation reads them; the YAML spec does not): read, 42 SSM parameters and nothing the rules apply to',
    findings: [],
    checked: [],
  },
];

describe('real-world files, through the CLI', () => {
  test.each(CASES)('$file: $why', (c) => {
    const file = path.join(DIR, c.file);
    const run = runCliCapturing(['audit', file, '--format', 'json', '--fail-on', 'never']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      findings: Array<{ ruleId: string; severity: string; resource?: string; object?: string }>;
      summary: { checked: Record<string, number> };
    };
    expect(report.findings.map((f) => `${f.severity}:${f.ruleId}@${f.object ?? f.resource}`).sort()).toEqual([...c.findings].sort());
    for (const kind of c.checked) {
      expect({ kind, counted: (report.summary.checked[kind] ?? 0) > 0 }).toEqual({ kind, counted: true });
    }
  });

  test('the same files fail `--fail-on error` exactly where they have errors', () => {
    for (const c of CASES) {
      const run = runCliCapturing(['audit', path.join(DIR, c.file), '--format', 'json']);
      expect({ file: c.file, code: run.code }).toEqual({ file: c.file, code: c.findings.some((f) => f.startsWith('error:')) ? 1 : 0 });
    }
  });
});
