/**
 * The example app behind `npm run example:legacy`.
 *
 * Two stacks with the same node fleet: `LegacyNodes` as it is commonly written (and as the
 * checker exists to catch: defaults, an escape hatch, a node group without a launch template, a
 * Karpenter v1beta1 node class) and `HardenedNodes`, fixed. The checker fails synth on the
 * hardened stack and only warns on the legacy one while it is being migrated.
 */
import { App, AspectPriority, Aspects, Stack, StackProps } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ImdsAcknowledgements, ImdsHopLimitChecker, RuleId, Severity } from '../src';

/** What both stacks share: a VPC, a node role and an existing cluster reached through its kubectl provider. */
class NodeFleetBase extends Stack {
  public readonly vpc: ec2.IVpc;
  public readonly nodeRole: iam.IRole;
  public readonly cluster: eksv2.ICluster;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    this.nodeRole = new iam.Role(this, 'NodeRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKSWorkerNodePolicy'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEC2ContainerRegistryPullOnly'),
      ],
    });
    this.cluster = eksv2.Cluster.fromClusterAttributes(this, 'Cluster', {
      clusterName: 'platform',
      vpc: this.vpc,
      kubectlProvider: eksv2.KubectlProvider.fromKubectlProviderAttributes(this, 'Kubectl', {
        serviceToken: `arn:aws:lambda:${this.region}:${this.account}:function:platform-kubectl-provider`,
        role: iam.Role.fromRoleName(this, 'KubectlRole', 'platform-kubectl'),
      }),
    });
  }

  protected nodeClass(name: string, apiVersion: string, spec: Record<string, unknown>) {
    return this.cluster.addManifest(`NodeClass-${name}`, {
      apiVersion,
      kind: 'EC2NodeClass',
      metadata: { name },
      spec: { role: this.nodeRole.roleName, ...spec },
    });
  }
}

/** The fleet as commonly written: every node path leaves the hop limit above 1 somewhere. */
class LegacyNodes extends NodeFleetBase {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // Defaults: no metadata options at all. AL2023 AMIs then default to hop limit 2.
    const defaults = new ec2.LaunchTemplate(this, 'DefaultsTemplate', {
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      instanceType: new ec2.InstanceType('m7i.large'),
    });
    new autoscaling.AutoScalingGroup(this, 'Workers', { vpc: this.vpc, launchTemplate: defaults, maxCapacity: 3 });

    // IMDSv2 required at the L2 level, then an escape hatch raises the hop limit for "one sidecar".
    const patched = new ec2.LaunchTemplate(this, 'PatchedTemplate', { requireImdsv2: true, httpPutResponseHopLimit: 1 });
    (patched.node.defaultChild as ec2.CfnLaunchTemplate).addPropertyOverride(
      'LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit', 2);

    // A managed node group without a launch template: EKS generates one with hop limit 2 (AL2).
    new eks.CfnNodegroup(this, 'SystemNodes', {
      clusterName: this.cluster.clusterName,
      nodeRole: this.nodeRole.roleArn,
      subnets: this.vpc.privateSubnets.map((s) => s.subnetId),
      amiType: 'AL2_x86_64',
    });

    // A node group on a launch template owned by another team: nothing here proves its options.
    const shared = new eks.CfnNodegroup(this, 'SharedTemplateNodes', {
      clusterName: this.cluster.clusterName,
      nodeRole: this.nodeRole.roleArn,
      subnets: this.vpc.privateSubnets.map((s) => s.subnetId),
      launchTemplate: { id: 'lt-0a1b2c3d4e5f67890', version: '4' },
    });
    ImdsAcknowledgements.add(shared, [{
      ruleId: RuleId.UNVERIFIABLE,
      reason: 'lt-0a1b2c3d4e5f67890 is owned by the platform-images team and audited in their pipeline (hop limit 1, tokens required)',
    }]);

    // Karpenter v1beta1 (<= 0.37) defaulted the hop limit to 2 when metadataOptions was omitted.
    this.nodeClass('legacy', 'karpenter.k8s.aws/v1beta1', {
      amiFamily: 'AL2023',
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'platform' } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'platform' } }],
    });
  }
}

/** The same fleet with every node path at IMDSv2 required and hop limit 1. */
class HardenedNodes extends NodeFleetBase {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const template = new ec2.LaunchTemplate(this, 'NodeTemplate', {
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      instanceType: new ec2.InstanceType('m7i.large'),
      requireImdsv2: true,
      httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
      httpPutResponseHopLimit: 1,
      httpEndpoint: true,
    });
    new autoscaling.AutoScalingGroup(this, 'Workers', { vpc: this.vpc, launchTemplate: template, maxCapacity: 3 });

    const nodeGroupTemplate = new ec2.LaunchTemplate(this, 'SystemNodeTemplate', {
      httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
      httpPutResponseHopLimit: 1,
      httpEndpoint: true,
    });
    new eks.CfnNodegroup(this, 'SystemNodes', {
      clusterName: this.cluster.clusterName,
      nodeRole: this.nodeRole.roleArn,
      subnets: this.vpc.privateSubnets.map((s) => s.subnetId),
      amiType: 'AL2023_x86_64_STANDARD',
      launchTemplate: { id: nodeGroupTemplate.launchTemplateId, version: nodeGroupTemplate.latestVersionNumber },
    });

    // Karpenter v1, metadataOptions written out in full (the controller falls back to hop limit 2 when it is nil).
    this.nodeClass('default', 'karpenter.k8s.aws/v1', {
      amiSelectorTerms: [{ alias: 'al2023@v20251117' }],
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'platform' } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'platform' } }],
      metadataOptions: { httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 1, httpTokens: 'required' },
    });
  }
}

const app = new App();
const legacy = new LegacyNodes(app, 'LegacyNodes');
const hardened = new HardenedNodes(app, 'HardenedNodes');

// Any hop limit above 1 fails synth in the hardened stack...
Aspects.of(hardened).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
// ...while the legacy stack only warns until it is migrated.
Aspects.of(legacy).add(new ImdsHopLimitChecker({ severity: Severity.WARNING }), { priority: AspectPriority.READONLY });

app.synth();
