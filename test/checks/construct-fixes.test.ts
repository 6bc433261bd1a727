// The fix a finding gives names the props of the CDK construct that made the resource, and a
// managed node group's message says what EKS does for its actual AMI type; the same through the
// construct tree (ImdsAudit.ofStack, the aspect) and through cdk.out (the CLI reads tree.json).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eksl1 from 'aws-cdk-lib/aws-eks';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ImdsAudit, RuleCatalogue, RuleId } from '../../src';
import { runCli } from '../../src/cli/main';

function fleet() {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'construct-fixes-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Fleet');
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
    clusterName: 'c',
    vpc: ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-1'] }),
  });
  new eks.Nodegroup(stack, 'Workers', {
    cluster,
    amiType: eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
    nodeRole: iam.Role.fromRoleArn(stack, 'NodeRole', 'arn:aws:iam::111111111111:role/nodes'),
  });
  new eksl1.CfnNodegroup(stack, 'Legacy', { clusterName: 'c', nodeRole: 'arn:aws:iam::111111111111:role/n', subnets: ['subnet-1'], amiType: 'AL2_x86_64' });
  const lt = new ec2.LaunchTemplate(stack, 'Patched', { httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED, httpPutResponseHopLimit: 1 });
  (lt.node.defaultChild as ec2.CfnLaunchTemplate).addPropertyOverride('LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit', 2);
  new ec2.CfnLaunchTemplate(stack, 'Raw', { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 3 } } });
  return { app, stack, outdir };
}

type Seen = { ruleId: string; resource?: string; fix: string; message: string };

function byResource(findings: Seen[], prefix: string, ruleId: string): Seen {
  const found = findings.filter((f) => f.ruleId === ruleId && f.resource?.startsWith(prefix));
  expect(found).toHaveLength(1);
  return found[0];
}

function expectations(findings: Seen[]) {
  const workers = byResource(findings, 'Workers', RuleId.NODEGROUP_DEFAULT_LAUNCH_TEMPLATE);
  expect(workers.fix).toMatch(/Pass `launchTemplateSpec` to the Nodegroup.*HardenedCluster\.addNodegroupCapacity\(\)/);
  expect(workers.message).toMatch(/AMI type AL2023_x86_64_STANDARD: the EKS docs say hop limit 1 for AL2023 in one place and contradict it/);
  const legacy = byResource(findings, 'Legacy', RuleId.NODEGROUP_DEFAULT_LAUNCH_TEMPLATE);
  expect(legacy.fix).toBe(RuleCatalogue.get(RuleId.NODEGROUP_DEFAULT_LAUNCH_TEMPLATE).fix); // an L1: CloudFormation's terms
  expect(legacy.message).toMatch(/AMI type AL2_x86_64: hop limit 2/);
  expect(byResource(findings, 'Patched', RuleId.HOP_LIMIT_ABOVE_ONE).fix).toMatch(/^Set `httpPutResponseHopLimit: 1` .* on the ec2\.LaunchTemplate/);
  expect(byResource(findings, 'Raw', RuleId.HOP_LIMIT_ABOVE_ONE).fix).toBe(RuleCatalogue.get(RuleId.HOP_LIMIT_ABOVE_ONE).fix);
}

test('through the construct tree (ImdsAudit.ofStack)', () => {
  expectations(ImdsAudit.ofStack(fleet().stack));
});

test('through cdk.out (the CLI reads the construct types from tree.json)', () => {
  const { app, outdir } = fleet();
  app.synth();
  let stdout = '';
  runCli(['audit', outdir, '--format', 'json'], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => undefined } });
  expectations(JSON.parse(stdout).findings);
});

test('a node group whose AMI type is left to EKS says EKS picks it', () => {
  const findings = ImdsAudit.ofTemplate({
    Resources: { Ng: { Type: 'AWS::EKS::Nodegroup', Properties: { ClusterName: 'c', NodeRole: 'r', Subnets: ['s'] } } },
  });
  expect(findings[0].message).toMatch(/EKS picks the AMI type from the instance types; for Amazon Linux 2 the hop limit is 2/);
});
