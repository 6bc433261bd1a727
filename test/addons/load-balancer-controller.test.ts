// The AWS Load Balancer Controller at hop limit 1: told its region and VPC, on its own scoped Pod
// Identity, with the official policy of its release (vendored), placed on the system node group.
process.env.CDK_VALIDATION = 'false'; // CloudFormation schema validation is an oracle elsewhere; it is slow.

import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KubectlV36Layer } from '@aws-cdk/lambda-layer-kubectl-v36';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HardenedCluster, ImdsAudit, LoadBalancerController, RuleId, SystemNodeGroup } from '../../src';
import { awsSolutionsViolations, HAS_NATIVE_ACKNOWLEDGEMENTS } from '../support/compat';
import { normalizedStatements, withAwsPartition } from '../support/policies';

const VENDORED = path.join(__dirname, '..', '..', 'vendor', 'aws-load-balancer-controller', 'iam_policy.json');

function platform(env?: { account: string; region: string }) {
  const app = new App();
  const stack = new Stack(app, 'Platform', { env });
  const cluster = new HardenedCluster(stack, 'Cluster');
  const controller = cluster.addLoadBalancerController();
  return { app, stack, cluster, controller, template: Template.fromStack(stack) };
}

function chartValues(template: Template): any {
  const charts = template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'aws-load-balancer-controller' } });
  expect(Object.keys(charts)).toHaveLength(1);
  return Object.values(charts)[0].Properties;
}

describe('HardenedCluster.addLoadBalancerController()', () => {
  const { stack, controller, template } = platform();

  test('the pinned eks-charts release, in kube-system', () => {
    expect(chartValues(template)).toEqual(expect.objectContaining({
      Chart: 'aws-load-balancer-controller',
      Repository: 'https://aws.github.io/eks-charts',
      Version: LoadBalancerController.DEFAULT_VERSION,
      Release: 'aws-load-balancer-controller',
      Namespace: 'kube-system',
    }));
    expect(controller.version).toBe('3.5.0');
  });

  test('values give the cluster name, the region and the VPC id, so the controller never asks IMDS', () => {
    const values = stack.resolve(chartValues(template).Values);
    const text = JSON.stringify(values);
    // The values are an Fn::Join of JSON text around the deploy-time parts.
    expect(text).toMatch(/\\"region\\":\\"",\{"Ref":"AWS::Region"\}/);
    const ref = (c: { node: { defaultChild?: unknown } } | undefined) => JSON.stringify({ Ref: stack.getLogicalId(c!.node.defaultChild as any) });
    expect(text).toContain(`\\"vpcId\\":\\"",${ref(stack.node.findChild('ClusterVpc'))}`);
    expect(text).toContain(`\\"clusterName\\":\\"",${JSON.stringify({ Ref: stack.getLogicalId(stack.node.findChild('Cluster').node.findChild('Resource') as any) })}`);
    expect(text).toContain('\\"serviceAccount\\":{\\"create\\":true,\\"name\\":\\"aws-load-balancer-controller\\"}');
    expect(text).toContain('\\"replicaCount\\":2');
    expect(text).toContain(`\\"nodeSelector\\":{\\"${SystemNodeGroup.ROLE_LABEL}\\":\\"system\\"}`);
    expect(text).not.toContain('eks.amazonaws.com/role-arn');
  });

  test('Pod Identity for kube-system/aws-load-balancer-controller, with session tags on and a scoped trust', () => {
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      Namespace: 'kube-system',
      ServiceAccount: 'aws-load-balancer-controller',
      DisableSessionTags: false,
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClusterLoadBalancerControllerIdentityRole'), 'Arn'] },
    });
    const role = Object.values(template.findResources('AWS::IAM::Role', {
      Properties: { Description: 'kube-system/aws-load-balancer-controller through EKS Pod Identity' },
    }))[0] as any;
    const statement = role.Properties.AssumeRolePolicyDocument.Statement[0];
    expect(statement.Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    expect(Object.keys(statement.Condition.StringEquals).sort()).toEqual([
      'aws:RequestTag/eks-cluster-arn', 'aws:RequestTag/kubernetes-namespace', 'aws:RequestTag/kubernetes-service-account', 'aws:SourceAccount',
    ]);
  });

  test('the policy is the vendored upstream document, statement for statement, with the stack\'s partition', () => {
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('LoadBalancerControllerPolicy') } });
    expect(Object.keys(policies)).toHaveLength(1);
    const rendered = withAwsPartition(Object.values(policies)[0].Properties.PolicyDocument);
    const vendored = JSON.parse(fs.readFileSync(VENDORED, 'utf8'));
    expect(normalizedStatements(rendered)).toEqual(normalizedStatements(vendored));
  });

  test('the vendored file is the one its provenance names (sha256)', () => {
    const sha = createHash('sha256').update(fs.readFileSync(VENDORED)).digest('hex');
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'vendor', 'README.md'), 'utf8');
    expect(readme).toContain(sha);
  });

  test('the chart waits for its identity, its policy and the system node group', () => {
    const chartId = Object.keys(template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'aws-load-balancer-controller' } }))[0];
    const dependsOn: string[] = template.toJSON().Resources[chartId].DependsOn;
    for (const prefix of ['ClusterLoadBalancerControllerIdentityAssociation', 'ClusterLoadBalancerControllerPolicy', 'ClusterSystemNodes']) {
      expect(dependsOn.some((d) => d.startsWith(prefix))).toBe(true);
    }
  });

  test('the checker passes it: no error, no AddonNeedsImds, the upstream wildcards acknowledged with the reason', () => {
    const findings = ImdsAudit.ofStack(stack);
    expect(findings.filter((f) => !f.acknowledged)).toEqual([]);
    const acknowledged = findings.filter((f) => f.acknowledged);
    expect(acknowledged.map((f) => f.ruleId)).toEqual(acknowledged.map(() => RuleId.WORKLOAD_ROLE_WILDCARD));
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged[0].acknowledgedReason).toMatch(/official policy .*vendored/);
  });

  test('a second call is refused, naming the method', () => {
    expect(() => platform().cluster.addLoadBalancerController()).toThrow(/AddonExists.*addLoadBalancerController\(\) was already called/);
  });
});

describe('LoadBalancerController on any aws-eks-v2 cluster', () => {
  function plain() {
    const stack = new Stack(new App(), 'Plain', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1, maxAzs: 2 });
    const cluster = new eks.Cluster(stack, 'Cluster', {
      version: eks.KubernetesVersion.V1_34, vpc, kubectlProviderOptions: { kubectlLayer: new KubectlV36Layer(stack, 'Kubectl') },
    });
    return { stack, vpc, cluster };
  }

  test('the region is the stack\'s, the VPC the cluster\'s, no node selector unless given', () => {
    const { stack, vpc, cluster } = plain();
    new LoadBalancerController(stack, 'Lbc', { cluster, replicas: 3 });
    const text = JSON.stringify(stack.resolve(chartValues(Template.fromStack(stack)).Values));
    expect(text).toContain('\\"region\\":\\"eu-west-1\\"');
    expect(text).toContain(`\\"vpcId\\":\\"",${JSON.stringify({ Ref: stack.getLogicalId(vpc.node.defaultChild as any) })}`);
    expect(text).toContain('\\"replicaCount\\":3');
    expect(text).not.toContain('nodeSelector');
    expect(ImdsAudit.ofStack(stack).filter((f) => f.ruleId === RuleId.ADDON_NEEDS_IMDS || f.decidingRuleId === RuleId.ADDON_NEEDS_IMDS)).toEqual([]);
  });

  test.each([
    [{ helmValues: { region: 'us-east-1' } }, /AddonValueOwned.*helmValues\.region is set/],
    [{ helmValues: { vpcId: 'vpc-1' } }, /helmValues\.vpcId is set/],
    [{ helmValues: { serviceAccount: { name: 'lbc' } } }, /AddonServiceAccountFixed.*"lbc"/],
    [{ helmValues: { serviceAccount: { create: false } } }, /serviceAccount\.create is false/],
    [{ helmValues: { serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' } } } }, /AddonIrsaAnnotation/],
    [{ replicas: 0 }, /InvalidAddonReplicas.*replicas is 0/],
    [{ version: 'v3.5.0' }, /InvalidAddonVersion.*"v3\.5\.0"/],
  ])('refuses %j', (options, message) => {
    const { stack, cluster } = plain();
    expect(() => new LoadBalancerController(stack, 'Lbc', { cluster, ...options })).toThrow(message);
  });

  test('extra values and policy statements are merged in', () => {
    const { stack, cluster } = plain();
    new LoadBalancerController(stack, 'Lbc', {
      cluster,
      helmValues: { enableServiceMutatorWebhook: false, serviceAccount: { labels: { team: 'platform' } } },
      additionalPolicyStatements: [new iam.PolicyStatement({ actions: ['ec2:DescribeCoipPools'], resources: ['*'] })],
    });
    const template = Template.fromStack(stack);
    const text = JSON.stringify(stack.resolve(chartValues(template).Values));
    expect(text).toContain('\\"enableServiceMutatorWebhook\\":false');
    expect(text).toContain('\\"serviceAccount\\":{\\"labels\\":{\\"team\\":\\"platform\\"},\\"create\\":true,\\"name\\":\\"aws-load-balancer-controller\\"}');
    const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('^LbcPolicy') } }))[0] as any;
    expect(policy.Properties.PolicyDocument.Statement.at(-1).Action).toBe('ec2:DescribeCoipPools');
  });
});

(HAS_NATIVE_ACKNOWLEDGEMENTS ? test : test.skip)('cdk-nag AwsSolutions: nothing unacknowledged on the controller\'s identity', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lbc-nag-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Platform');
    new HardenedCluster(stack, 'Cluster').addLoadBalancerController();
    const paths = awsSolutionsViolations(app, outdir, new AwsSolutionsChecks(app));
    expect(paths.filter((p: string) => p.includes('LoadBalancerController'))).toEqual([]);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});

/** The newest AlbControllerVersion this aws-cdk-lib has (the tests also run on the lowest supported one). */
function newestAlbControllerVersion(): eks.AlbControllerVersion {
  const table = eks.AlbControllerVersion as unknown as Record<string, eks.AlbControllerVersion>;
  const parse = (k: string) => k.slice(1).split('_').map(Number);
  const newest = Object.keys(table).filter((k) => /^V\d+_\d+_\d+$/.test(k))
    .sort((a, b) => parse(a).reduce((d, n, i) => d || n - parse(b)[i], 0)).pop()!;
  return table[newest];
}

describe('AddonNeedsImds on L2 inputs', () => {
  test('aws-eks-v2\'s own AlbController passes (it gives region and vpcId)', () => {
    const stack = new Stack(new App(), 'Alb', { env: { account: '111111111111', region: 'eu-west-1' } });
    new eks.Cluster(stack, 'Cluster', {
      version: eks.KubernetesVersion.V1_34,
      albController: { version: newestAlbControllerVersion() },
      kubectlProviderOptions: { kubectlLayer: new KubectlV36Layer(stack, 'Kubectl') },
    });
    const charts = Template.fromStack(stack).findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'aws-load-balancer-controller' } });
    expect(Object.keys(charts)).toHaveLength(1); // the rule had something to judge
    expect(ImdsAudit.ofStack(stack).filter((f) => f.ruleId === RuleId.ADDON_NEEDS_IMDS || f.decidingRuleId === RuleId.ADDON_NEEDS_IMDS)).toEqual([]);
  });

  test('a bare addHelmChart of the controller with only clusterName is flagged for region and vpcId, naming our construct', () => {
    const stack = new Stack(new App(), 'Bare');
    const cluster = new HardenedCluster(stack, 'Cluster');
    cluster.addHelmChart('Lbc', { chart: 'aws-load-balancer-controller', repository: 'https://aws.github.io/eks-charts', values: { clusterName: cluster.clusterName } });
    const findings = ImdsAudit.ofStack(stack).filter((f) => f.ruleId === RuleId.ADDON_NEEDS_IMDS);
    expect(findings.map((f) => f.property).sort()).toEqual(['Properties.Values.region', 'Properties.Values.vpcId']);
    expect(findings[0].message).toMatch(/this library's LoadBalancerController, HardenedCluster\.addLoadBalancerController\(\), sets it/);
    expect(findings[0].severity).toBe('warning');
  });
});

describe('add-ons on an imported cluster', () => {
  function imported(withVpc: boolean) {
    const stack = new Stack(new App(), 'Imported', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a'] });
    const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
      clusterName: 'prod',
      ...(withVpc ? { vpc } : {}),
      kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(stack, 'Kubectl', {
        serviceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:kubectl',
      }),
    });
    return { stack, cluster, vpc };
  }

  test('the controller is told the imported VPC; an imported cluster without one is refused, naming the prop', () => {
    const { stack, cluster } = imported(true);
    new LoadBalancerController(stack, 'Lbc', { cluster });
    expect(JSON.stringify(stack.resolve(chartValues(Template.fromStack(stack)).Values))).toContain('\\"vpcId\\":\\"vpc-0123456789abcdef0\\"');
    expect(ImdsAudit.ofStack(stack).filter((f) => !f.acknowledged)).toEqual([]);
    const bare = imported(false);
    expect(() => new LoadBalancerController(bare.stack, 'Lbc', { cluster: bare.cluster }))
      .toThrow(/LoadBalancerControllerNeedsVpc.*pass `vpc`/);
    expect(() => new LoadBalancerController(bare.stack, 'Lbc2', { cluster: bare.cluster, vpc: imported(true).vpc })).not.toThrow();
  });
});
