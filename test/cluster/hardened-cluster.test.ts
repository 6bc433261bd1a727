// Whole-platform test: aws-cdk-lib's CloudFormation schema validation stays ON here (an oracle).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AmiAlias, AmiFamily, AmiSelectorTerm, HardenedCluster, ImdsAudit } from '../../src';
import { podIdentityTrustStatement } from '../support/cdk';
import { runControlTowerImdsRules } from '../support/cfn-guard';

function build(props?: ConstructorParameters<typeof HardenedCluster>[2]) {
  const app = new App();
  const stack = new Stack(app, 'Platform');
  const cluster = new HardenedCluster(stack, 'Cluster', {
    defaultNodeClassOptions: { amiSelectorTerms: [AmiSelectorTerm.fromAlias(AmiAlias.of(AmiFamily.AL2023, 'v20251117'))] },
    ...props,
  });
  return { app, stack, cluster, template: Template.fromStack(stack) };
}

/** Managed policy ARNs of a role resource, as the names they end with. */
function managedPolicyNames(template: Template, roleLogicalId: string): string[] {
  const role = template.toJSON().Resources[roleLogicalId];
  return (role.Properties.ManagedPolicyArns ?? []).map((arn: any) => JSON.stringify(arn).match(/policy\/([\w-]+)/)?.[1]);
}

describe('HardenedCluster with every default', () => {
  const { stack, cluster, template } = build();
  const json = template.toJSON();

  test('the IMDS checker finds nothing on the whole platform', () => {
    expect(ImdsAudit.ofStack(stack)).toEqual([]);
  });

  test('AWS Control Tower CT.EC2.PR.2 (cfn-guard) passes every launch template', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hardened-cluster-'));
    const file = path.join(dir, 'platform.template.json');
    fs.writeFileSync(file, JSON.stringify(json));
    const verdicts = runControlTowerImdsRules(file);
    const launchTemplates = Object.entries(json.Resources).filter(([, r]: any) => r.Type === 'AWS::EC2::LaunchTemplate');
    expect(launchTemplates.length).toBeGreaterThan(0);
    for (const [id] of launchTemplates) {
      expect([id, verdicts.get(id)]).toEqual([id, 'pass']);
    }
  });

  test('the system node group runs on a launch template with IMDSv2 required, hop limit 1 and an encrypted gp3 root volume', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        MetadataOptions: { HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1, HttpTokens: 'required' },
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: Match.objectLike({ Encrypted: true, VolumeType: 'gp3', VolumeSize: 20 }) }],
      }),
    });
    const ltId = stack.resolve((cluster.systemNodeGroup.launchTemplate.node.defaultChild as ec2.CfnLaunchTemplate).logicalId);
    template.hasResourceProperties('AWS::EKS::Nodegroup', {
      AmiType: 'AL2023_x86_64_STANDARD',
      LaunchTemplate: { Id: { Ref: ltId }, Version: Match.anyValue() },
      ScalingConfig: { MinSize: 2, DesiredSize: 2, MaxSize: 4 },
      DiskSize: Match.absent(),
    });
  });

  test('the system node group spans the private subnets of at least two zones', () => {
    const nodegroup = Object.values<any>(json.Resources).find((r) => r.Type === 'AWS::EKS::Nodegroup');
    expect(nodegroup.Properties.Subnets.length).toBeGreaterThanOrEqual(2);
  });

  test('the node role has the worker, ECR pull-only and SSM policies, and neither the CNI nor the ECR read-only policy', () => {
    const roleId = stack.resolve((cluster.systemNodeGroup.nodeRole.node.defaultChild as iam.CfnRole).logicalId);
    expect(managedPolicyNames(template, roleId).sort()).toEqual(
      ['AmazonEC2ContainerRegistryPullOnly', 'AmazonEKSWorkerNodePolicy', 'AmazonSSMManagedInstanceCore']);
  });

  test('no role of the platform except the VPC CNI role holds AmazonEKS_CNI_Policy', () => {
    const cniRoleId = stack.resolve((cluster.vpcCniRole.node.defaultChild as iam.CfnRole).logicalId);
    const holders = Object.entries<any>(json.Resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role' && JSON.stringify(r.Properties.ManagedPolicyArns ?? []).includes('AmazonEKS_CNI_Policy'))
      .map(([id]) => id);
    expect(holders).toEqual([cniRoleId]);
  });

  test('the VPC CNI add-on gets its role through Pod Identity, trusted only for kube-system/aws-node of this cluster', () => {
    const cniRoleId = stack.resolve((cluster.vpcCniRole.node.defaultChild as iam.CfnRole).logicalId);
    template.hasResourceProperties('AWS::EKS::Addon', {
      AddonName: 'vpc-cni',
      PodIdentityAssociations: [{ RoleArn: { 'Fn::GetAtt': [cniRoleId, 'Arn'] }, ServiceAccount: 'aws-node' }],
    });
    const trust = json.Resources[cniRoleId].Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([podIdentityTrustStatement(stack.resolve((cluster.node.defaultChild as eks.CfnCluster).logicalId), 'kube-system', 'aws-node')]);
  });

  test('installs the pod identity agent, vpc-cni, kube-proxy and coredns add-ons', () => {
    const addons = Object.values<any>(json.Resources).filter((r) => r.Type === 'AWS::EKS::Addon').map((r) => r.Properties.AddonName);
    expect(addons.sort()).toEqual(['coredns', 'eks-pod-identity-agent', 'kube-proxy', 'vpc-cni']);
  });

  test('the API endpoint is private, secrets are envelope-encrypted and api/audit/authenticator logs are on', () => {
    template.hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: Match.objectLike({ EndpointPrivateAccess: true, EndpointPublicAccess: false }),
      EncryptionConfig: [{ Provider: { KeyArn: Match.anyValue() }, Resources: ['secrets'] }],
      Logging: { ClusterLogging: { EnabledTypes: [{ Type: 'api' }, { Type: 'audit' }, { Type: 'authenticator' }] } },
      AccessConfig: Match.objectLike({ AuthenticationMode: 'API' }),
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('nothing uses the aws-auth ConfigMap', () => {
    expect(JSON.stringify(json)).not.toMatch(/aws-auth/);
  });

  test('two synths of the same app give byte-identical templates', () => {
    expect(JSON.stringify(build().template.toJSON())).toEqual(JSON.stringify(json));
  });
});

describe('HardenedCluster options', () => {
  test('gives cluster-admin access entries to the admins, by ARN', () => {
    const app = new App();
    const stack = new Stack(app, 'Platform');
    const admin = iam.Role.fromRoleArn(stack, 'Admin', 'arn:aws:iam::111111111111:role/platform-admin');
    new HardenedCluster(stack, 'Cluster', { admins: [admin] });
    const entries = Template.fromStack(stack).findResources('AWS::EKS::AccessEntry', {
      Properties: { PrincipalArn: 'arn:aws:iam::111111111111:role/platform-admin' },
    });
    expect(Object.values(entries).map((e) => JSON.stringify(e.Properties.AccessPolicies))).toEqual([
      expect.stringMatching(/"AccessScope":\{"Type":"cluster"\}.*cluster-access-policy\/AmazonEKSClusterAdminPolicy/),
    ]);
  });

  test('refuses an admin principal without an ARN, naming the prop', () => {
    const stack = new Stack(new App(), 'Platform');
    expect(() => new HardenedCluster(stack, 'Cluster', { admins: [new iam.ServicePrincipal('ec2.amazonaws.com')] }))
      .toThrow(/admins\[0\] is a ServicePrincipal, which has no ARN/);
  });

  test('refuses a VPC whose private subnets sit in one Availability Zone', () => {
    const stack = new Stack(new App(), 'Platform');
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-1'],
    });
    expect(() => new HardenedCluster(stack, 'Cluster', { vpc })).toThrow(/private subnets in 1 Availability Zone\(s\) \(eu-west-1a\)/);
  });

  test('refuses a system node group smaller than two nodes', () => {
    const stack = new Stack(new App(), 'Platform');
    expect(() => new HardenedCluster(stack, 'Cluster', { systemNodeGroup: { minSize: 1 } })).toThrow(/systemNodeGroup.minSize is 1/);
  });

  test('IRSA uses a native AWS::IAM::OIDCProvider, not the custom-resource provider (no extra Lambda for it)', () => {
    const app = new App();
    const stack = new Stack(app, 'Platform');
    const cluster = new HardenedCluster(stack, 'Cluster', { karpenterEnabled: false });
    cluster.addIrsaRole('App', { serviceAccountNamespace: 'apps', serviceAccount: 'app' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template.resourceCountIs('Custom::AWSCDKOpenIdConnectProvider', 0);
    // The getter is a lazy singleton: asking again returns the same provider, not a second one.
    expect(cluster.openIdConnectProvider).toBe(cluster.openIdConnectProvider);
  });

  test('kube-system/aws-node already has the VPC CNI\'s role: a second identity for it is refused', () => {
    const stack = new Stack(new App(), 'Platform');
    const cluster = new HardenedCluster(stack, 'Cluster', { karpenterEnabled: false });
    expect(() => cluster.addPodIdentity('Cni', { serviceAccountNamespace: 'kube-system', serviceAccount: 'aws-node', createServiceAccount: false }))
      .toThrow(/\[DuplicateWorkloadIdentity\] .*kube-system\/aws-node .*the VPC CNI add-on at Platform\/Cluster\/VpcCniAddon\./);
  });

  test('opening the endpoint is an explicit choice that is honoured', () => {
    const app = new App();
    const stack = new Stack(app, 'Platform');
    new HardenedCluster(stack, 'Cluster', { endpointAccess: eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom('203.0.113.0/24') });
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: Match.objectLike({ EndpointPublicAccess: true, PublicAccessCidrs: ['203.0.113.0/24'] }),
    });
  });
});

describe('capacity methods inherited from eks.Cluster', () => {
  function cluster() {
    const app = new App();
    const stack = new Stack(app, 'Platform');
    return { stack, cluster: new HardenedCluster(stack, 'Cluster', { karpenterEnabled: false }) };
  }

  test('addNodegroupCapacity builds a managed node group on its own hardened launch template', () => {
    const { stack, cluster: c } = cluster();
    const group = c.addNodegroupCapacity('Batch', { instanceTypes: [new ec2.InstanceType('c7i.xlarge')], diskSize: 50, minSize: 1 });
    const template = Template.fromStack(stack);
    const lt = (group.node.scope!.node.findChild('LaunchTemplate').node.defaultChild as ec2.CfnLaunchTemplate);
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        MetadataOptions: { HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1, HttpTokens: 'required' },
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: Match.objectLike({ Encrypted: true, VolumeSize: 50, VolumeType: 'gp3' }) }],
      }),
    });
    template.hasResourceProperties('AWS::EKS::Nodegroup', {
      InstanceTypes: ['c7i.xlarge'],
      LaunchTemplate: { Id: { Ref: stack.resolve(lt.logicalId) }, Version: Match.anyValue() },
      DiskSize: Match.absent(),
    });
    // Its node role holds no CNI policy (the VPC CNI has its own Pod Identity role).
    const roleId = stack.resolve((group.role.node.defaultChild as iam.CfnRole).logicalId);
    expect(JSON.stringify(template.toJSON().Resources[roleId].Properties.ManagedPolicyArns)).not.toContain('AmazonEKS_CNI_Policy');
    expect(ImdsAudit.ofStack(stack)).toEqual([]);
  });

  test('addNodegroupCapacity refuses a launch template of the caller and SSH remote access', () => {
    const { cluster: c } = cluster();
    expect(() => c.addNodegroupCapacity('Own', { launchTemplateSpec: { id: 'lt-0123456789abcdef0' } }))
      .toThrow(/\[NodegroupLaunchTemplateGiven\].*launchTemplateSpec is given.*new eks\.Nodegroup/);
    expect(() => c.addNodegroupCapacity('Ssh', { remoteAccess: { sshKeyName: 'k' } }))
      .toThrow(/\[NodegroupRemoteAccess\].*Session Manager/);
  });

  test('addServiceAccount refuses POD_IDENTITY (an unscoped trust) and points to addPodIdentity(); IRSA stays', () => {
    const { stack, cluster: c } = cluster();
    expect(() => c.addServiceAccount('Unscoped', { identityType: eks.IdentityType.POD_IDENTITY }))
      .toThrow(/\[UnscopedPodIdentity\].*Use addPodIdentity\(\) instead/);
    c.addServiceAccount('Irsa', { namespace: 'default', name: 'reports' });
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).toContain(':sub');
  });

  test('addAutoScalingGroupCapacity and connectAutoScalingGroupCapacity are refused with what to use instead', () => {
    const { stack, cluster: c } = cluster();
    expect(() => c.addAutoScalingGroupCapacity('Self', { instanceType: new ec2.InstanceType('m7i.large') }))
      .toThrow(/\[SelfManagedCapacity\] Platform\/Cluster: addAutoScalingGroupCapacity\('Self'\).*addNodegroupCapacity\(\).*addNodePool\(\)/);
    const asg = new autoscaling.AutoScalingGroup(stack, 'Asg', {
      vpc: c.vpc, instanceType: new ec2.InstanceType('m7i.large'), machineImage: ec2.MachineImage.latestAmazonLinux2023(),
    });
    expect(() => c.connectAutoScalingGroupCapacity(asg, {})).toThrow(/\[SelfManagedCapacity\].*connectAutoScalingGroupCapacity\(Platform\/Asg\)/);
  });
});
