process.env.CDK_VALIDATION = 'false';

import { App, CfnParameter, CfnResource, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ImdsAudit } from '../../src/checks';
import {
  AmiAlias, AmiFamily, AmiSelectorTerm, Ec2NodeClassRef, HardenedEc2NodeClass, HardenedEc2NodeClassOptions, MetadataHttpEndpoint,
  MetadataHttpTokens, SecurityGroupSelectorTerm, SubnetSelectorTerm,
} from '../../src/karpenter';
import { kubernetesObjectsIn, validateKarpenterObject } from '../support/crd-validator';

const HARDENED_METADATA = { httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 1, httpTokens: 'required' };

/** An imported cluster reached through its kubectl provider (offline, cheap), and a node role. */
function setup() {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
    clusterName: 'c',
    kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(stack, 'Kubectl', {
      serviceToken: 'arn:aws:lambda:us-east-1:111111111111:function:kubectl',
    }),
  });
  const nodeRole = new iam.Role(stack, 'NodeRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  const nodeClass = (id: string, options: HardenedEc2NodeClassOptions = {}) => new HardenedEc2NodeClass(stack, id, { ...options, cluster, nodeRole });
  return { app, stack, cluster, nodeRole, nodeClass };
}

/**
 * The EC2NodeClasses the stack applies, each checked with the CRD oracle (schema + CEL) and the
 * stack with the IMDS checker: every node class of these tests must pass both.
 */
function nodeClasses(stack: Stack): any[] {
  const objects = kubernetesObjectsIn(Template.fromStack(stack).toJSON()).map((o) => o.object).filter((o) => o.kind === 'EC2NodeClass');
  for (const o of objects) {
    expect({ name: o.metadata.name, violations: validateKarpenterObject(o) }).toEqual({ name: o.metadata.name, violations: [] });
  }
  expect(ImdsAudit.ofStack(stack)).toEqual([]);
  return objects;
}

function onlyNodeClass(stack: Stack): any {
  const all = nodeClasses(stack);
  expect(all).toHaveLength(1);
  return all[0];
}

describe('HardenedEc2NodeClass defaults', () => {
  test('renders a karpenter.k8s.aws/v1 EC2NodeClass with metadataOptions written out in full', () => {
    const { stack, nodeClass } = setup();
    nodeClass('Default');
    const o = onlyNodeClass(stack);
    expect(o.apiVersion).toBe('karpenter.k8s.aws/v1');
    expect(o.kind).toBe('EC2NodeClass');
    expect(o.spec.metadataOptions).toEqual(HARDENED_METADATA);
  });

  test('applies it with the cluster kubectl provider, named after the construct id', () => {
    const { stack, nodeClass } = setup();
    const nc = nodeClass('Default');
    expect(nc.nodeClassName).toBe('default');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::AWSCDK-EKS-KubernetesResource', {
      ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:kubectl',
      ClusterName: 'c',
    });
    expect(nc.manifest.node.path).toBe('Stack/Default/Manifest');
    const [applied, ...others] = kubernetesObjectsIn(template.toJSON());
    expect(others).toEqual([]);
    expect(applied.logicalId).toBe(stack.resolve((nc.manifest.node.defaultChild as CfnResource).logicalId));
    expect(applied.object).toMatchObject({ kind: 'EC2NodeClass', metadata: { name: 'default' } });
  });

  test('selects al2023@latest, subnets and security groups by karpenter.sh/discovery, and the node role by name', () => {
    const { stack, nodeClass } = setup();
    nodeClass('Default');
    const o = onlyNodeClass(stack);
    expect(o.spec.amiSelectorTerms).toEqual([{ alias: 'al2023@latest' }]);
    expect(o.spec.amiFamily).toBeUndefined();
    expect(o.spec.subnetSelectorTerms).toEqual([{ tags: { 'karpenter.sh/discovery': 'c' } }]);
    expect(o.spec.securityGroupSelectorTerms).toEqual([{ tags: { 'karpenter.sh/discovery': 'c' } }]);
    // The role's name is a deploy-time value (Ref), joined into the manifest.
    expect(o.spec.role).toMatch(/^token\d+$/);
    const manifest = Template.fromStack(stack).findResources('Custom::AWSCDK-EKS-KubernetesResource');
    expect(JSON.stringify(manifest)).toMatch(/"Ref":"NodeRole[0-9A-F]{8}"/);
  });

  test('warns (visible in a default cdk synth) that the default AMI follows @latest, and how to pin it', () => {
    const { stack, nodeClass } = setup();
    nodeClass('Default');
    Annotations.fromStack(stack).hasWarning('/Stack/Default',
      Match.stringLikeRegexp("uses the default AMI alias al2023@latest.*AmiAlias.of\\(AmiFamily.AL2023, 'vYYYYMMDD'\\)"));
  });

  test('encrypts a 20 GiB gp3 root volume and refuses a public IP', () => {
    const { stack, nodeClass } = setup();
    nodeClass('Default');
    const o = onlyNodeClass(stack);
    expect(o.spec.blockDeviceMappings).toEqual([{
      deviceName: '/dev/xvda',
      rootVolume: true,
      ebs: { deleteOnTermination: true, encrypted: true, volumeSize: '20Gi', volumeType: 'gp3' },
    }]);
    expect(o.spec.associatePublicIPAddress).toBe(false);
  });

  test('synthesizes byte-identical templates twice (no name from a token)', () => {
    const synth = () => {
      const { app, nodeClass } = setup();
      nodeClass('Default');
      nodeClass('Gpu Nodes!', { tags: { team: 'ml' } });
      return JSON.stringify(app.synth().getStackByName('Stack').template);
    };
    const first = synth();
    expect(synth()).toBe(first);
    expect(first).toContain('gpu-nodes');
  });
});

describe('HardenedEc2NodeClass options', () => {
  test('a pinned alias, explicit selector terms, a KMS key, a larger volume and tags', () => {
    const { stack, nodeClass } = setup();
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    nodeClass('Pinned', {
      name: 'pinned',
      amiSelectorTerms: [AmiSelectorTerm.fromAlias(AmiAlias.of(AmiFamily.AL2023, 'v20251117'))],
      subnetSelectorTerms: [SubnetSelectorTerm.fromId('subnet-0123456789abcdef0'), SubnetSelectorTerm.fromTags({ tier: 'private' })],
      securityGroupSelectorTerms: [SecurityGroupSelectorTerm.fromId('sg-0123456789abcdef0'), SecurityGroupSelectorTerm.fromName('nodes')],
      rootVolume: { size: Size.gibibytes(100), kmsKey: key },
      tags: { team: 'platform' },
      httpPutResponseHopLimit: 1,
      httpTokens: MetadataHttpTokens.REQUIRED,
    });
    const o = onlyNodeClass(stack);
    expect(o.metadata.name).toBe('pinned');
    expect(o.spec.amiSelectorTerms).toEqual([{ alias: 'al2023@v20251117' }]);
    expect(o.spec.subnetSelectorTerms).toEqual([{ id: 'subnet-0123456789abcdef0' }, { tags: { tier: 'private' } }]);
    expect(o.spec.securityGroupSelectorTerms).toEqual([{ id: 'sg-0123456789abcdef0' }, { name: 'nodes' }]);
    expect(o.spec.blockDeviceMappings[0].ebs).toEqual({
      deleteOnTermination: true,
      encrypted: true,
      volumeSize: '100Gi',
      volumeType: 'gp3',
      kmsKeyID: 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    });
    expect(o.spec.tags).toEqual({ team: 'platform' });
    expect(o.spec.metadataOptions).toEqual(HARDENED_METADATA);
    Annotations.fromStack(stack).hasNoInfo('/Stack/Pinned', Match.anyValue());
  });

  test('an AMI id with amiFamily', () => {
    const { stack, nodeClass } = setup();
    const nc = nodeClass('Custom', { amiSelectorTerms: [AmiSelectorTerm.fromId('ami-0123456789abcdef0')], amiFamily: AmiFamily.AL2023 });
    expect(nc.amiFamily).toBe(AmiFamily.AL2023);
    const o = onlyNodeClass(stack);
    expect(o.spec.amiFamily).toBe('AL2023');
    expect(o.spec.amiSelectorTerms).toEqual([{ id: 'ami-0123456789abcdef0' }]);
  });

  test('AMIs by name, tags and SSM parameter, with owners', () => {
    const { stack, nodeClass } = setup();
    nodeClass('Custom', {
      amiFamily: AmiFamily.CUSTOM,
      amiSelectorTerms: [
        AmiSelectorTerm.fromName('my-ami-*', { owner: 'self' }),
        AmiSelectorTerm.fromTags({ golden: 'true', os: '*' }, { owner: '111111111111' }),
        AmiSelectorTerm.fromSsmParameter('/my/ami/id'),
      ],
    });
    expect(onlyNodeClass(stack).spec.amiSelectorTerms).toEqual([
      { name: 'my-ami-*', owner: 'self' },
      { tags: { golden: 'true', os: '*' }, owner: '111111111111' },
      { ssmParameter: '/my/ami/id' },
    ]);
  });

  test('Bottlerocket gets an encrypted OS volume and the sized data volume as root', () => {
    const { stack, nodeClass } = setup();
    nodeClass('Br', { amiSelectorTerms: [AmiSelectorTerm.fromAlias(AmiAlias.of(AmiFamily.BOTTLEROCKET, 'v1.50.0'))], rootVolume: { size: Size.gibibytes(40) } });
    const bdm = onlyNodeClass(stack).spec.blockDeviceMappings;
    expect(bdm.map((b: any) => [b.deviceName, b.ebs.volumeSize, b.ebs.encrypted, b.rootVolume])).toEqual([
      ['/dev/xvda', '4Gi', true, undefined],
      ['/dev/xvdb', '40Gi', true, true],
    ]);
  });

  test('Windows follows @latest on /dev/sda1 with 50 GiB, without advice to pin', () => {
    const { stack, nodeClass } = setup();
    nodeClass('Win', { amiSelectorTerms: [AmiSelectorTerm.fromAlias(AmiAlias.latest(AmiFamily.WINDOWS2022))] });
    const o = onlyNodeClass(stack);
    expect(o.spec.amiSelectorTerms).toEqual([{ alias: 'windows2022@latest' }]);
    expect(o.spec.blockDeviceMappings[0]).toMatchObject({ deviceName: '/dev/sda1', ebs: { volumeSize: '50Gi' } });
    Annotations.fromStack(stack).hasWarning('/Stack/Win', Match.stringLikeRegexp('^(?!.*Pin).*follows windows2022@latest'));
  });

  test('associatePublicIpAddress can be turned on explicitly', () => {
    const { stack, nodeClass } = setup();
    nodeClass('Public', { associatePublicIpAddress: true });
    expect(onlyNodeClass(stack).spec.associatePublicIPAddress).toBe(true);
  });

  test('disabling IMDS is an explicit choice: still rendered in full, with a warning', () => {
    const { stack, nodeClass } = setup();
    nodeClass('NoImds', { httpEndpoint: MetadataHttpEndpoint.DISABLED });
    expect(onlyNodeClass(stack).spec.metadataOptions).toEqual({ ...HARDENED_METADATA, httpEndpoint: 'disabled' });
    Annotations.fromStack(stack).hasWarning('/Stack/NoImds', Match.stringLikeRegexp("IMDS is disabled on the nodes of EC2NodeClass 'noimds'"));
  });

  test('a cluster created in the app: the discovery tag follows its name', () => {
    const { stack, nodeClass } = setup();
    const clusterName = new CfnParameter(stack, 'ClusterName').valueAsString;
    const cluster = eks.Cluster.fromClusterAttributes(stack, 'Other', {
      clusterName,
      kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(stack, 'OtherKubectl', {
        serviceToken: 'arn:aws:lambda:us-east-1:111111111111:function:kubectl',
      }),
    });
    new HardenedEc2NodeClass(stack, 'Discovered', { cluster, nodeRole: iam.Role.fromRoleName(stack, 'Imported', 'nodes') });
    nodeClass('Default');
    const o = nodeClasses(stack).find((x) => x.metadata.name === 'discovered');
    expect(o.spec.role).toBe('nodes');
    expect(o.spec.subnetSelectorTerms).toEqual([{ tags: { 'karpenter.sh/discovery': expect.stringMatching(/^token\d+$/) } }]);
  });

  test('Ec2NodeClassRef names a node class made elsewhere', () => {
    expect(Ec2NodeClassRef.fromName('gpu').nodeClassName).toBe('gpu');
    expect(Ec2NodeClassRef.fromExternalName('legacy').nodeClassName).toBe('legacy');
    expect(HardenedEc2NodeClass.isHardenedEc2NodeClass(Ec2NodeClassRef.fromName('gpu'))).toBe(false);
  });
});

describe('HardenedEc2NodeClass refuses what would expose the node role', () => {
  test.each([2, 3, 64])('a hop limit of %d, explaining why and pointing to the acknowledgement', (hop) => {
    const { nodeClass } = setup();
    expect(() => nodeClass('Open', { httpPutResponseHopLimit: hop })).toThrow(
      new RegExp(`^\\[HopLimitAboveOne\\] Stack/Open: httpPutResponseHopLimit is ${hop}; a limit of ${hop} lets the IMDSv2 token response cross ` +
        ".*every pod on the node can read the node role's credentials.*Pod Identity or IRSA.*Ec2NodeClassRef.fromExternalName\\(\\).*" +
        "ImdsAcknowledgements.add\\(manifest, \\[\\{ ruleId: 'HopLimitAboveOne', reason \\}\\]\\)"));
  });

  test.each([0, 65, 1.5, -1])('an invalid hop limit (%d), under its own code and without advice on keeping it', (hop) => {
    const { nodeClass } = setup();
    let message = '';
    try {
      nodeClass('Bad', { httpPutResponseHopLimit: hop });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(new RegExp(`^\\[InvalidHopLimit\\] Stack/Bad: httpPutResponseHopLimit is ${hop}; a hop limit is a whole number from 1 to 64`));
    expect(message).not.toMatch(/HopLimitAboveOne|truly needs|ImdsAcknowledgements/);
  });

  test('a hop limit known only at deploy time', () => {
    const { stack, nodeClass } = setup();
    const hop = new CfnParameter(stack, 'Hop', { type: 'Number' }).valueAsNumber;
    expect(() => nodeClass('Param', { httpPutResponseHopLimit: hop })).toThrow(/httpPutResponseHopLimit is a deploy-time value; only the literal 1/);
  });

  test('optional tokens (IMDSv1)', () => {
    const { nodeClass } = setup();
    expect(() => nodeClass('V1', { httpTokens: MetadataHttpTokens.OPTIONAL })).toThrow(
      /^\[ImdsV1Allowed\] Stack\/V1: httpTokens is "optional"; token-less IMDSv1 GETs are not hop-limited.*ruleId: 'ImdsV1Allowed'/);
  });
});

describe('HardenedEc2NodeClass validation', () => {
  test('an invalid or token name', () => {
    const { stack, nodeClass } = setup();
    expect(() => nodeClass('A', { name: 'Default_Class' })).toThrow(/^\[InvalidEc2NodeClassName\] Stack\/A: name is "Default_Class"; an EC2NodeClass name must be a literal DNS-1123 label/);
    expect(() => nodeClass('B', { name: 'x'.repeat(64) })).toThrow(/at most 63 characters/);
    expect(() => nodeClass('C', { name: new CfnParameter(stack, 'N').valueAsString })).toThrow(/name is a deploy-time value/);
  });

  test('two node classes with one name on a cluster', () => {
    const { nodeClass } = setup();
    nodeClass('Default');
    expect(() => nodeClass('Other', { name: 'default' })).toThrow(
      /^\[DuplicateEc2NodeClass\] Stack\/Other: an EC2NodeClass named 'default' is already applied to this cluster \(Stack\/Default\)/);
  });

  test('an alias with other terms, no terms, or no amiFamily without an alias', () => {
    const { nodeClass } = setup();
    const alias = AmiSelectorTerm.fromAlias(AmiAlias.latest(AmiFamily.AL2023));
    expect(() => nodeClass('A', { amiSelectorTerms: [alias, AmiSelectorTerm.fromId('ami-0123')] })).toThrow(
      /amiSelectorTerms has an alias term \(al2023@latest\) and 1 other term\(s\); an alias must be the only term/);
    expect(() => nodeClass('B', { amiSelectorTerms: [] })).toThrow(/amiSelectorTerms has 0 terms; give between 1 and 30/);
    expect(() => nodeClass('C', { amiSelectorTerms: [AmiSelectorTerm.fromId('ami-0123')] })).toThrow(/^\[MissingAmiFamily\] Stack\/C: .*set amiFamily/);
    expect(() => nodeClass('D', { amiSelectorTerms: [alias], amiFamily: AmiFamily.BOTTLEROCKET })).toThrow(
      /amiFamily is Bottlerocket but the alias is al2023@latest; with an alias, amiFamily may only be AL2023 or Custom/);
  });

  test('empty selector terms, restricted tags, bad volume sizes', () => {
    const { nodeClass } = setup();
    expect(() => nodeClass('A', { subnetSelectorTerms: [] })).toThrow(/subnetSelectorTerms has 0 terms/);
    expect(() => nodeClass('B', { securityGroupSelectorTerms: [] })).toThrow(/securityGroupSelectorTerms has 0 terms/);
    expect(() => nodeClass('C', { tags: { 'kubernetes.io/cluster/c': 'owned' } })).toThrow(/tags has the key 'kubernetes.io\/cluster\/c', which Karpenter sets itself/);
    expect(() => nodeClass('D', { tags: { 'karpenter.sh/nodepool': 'x' } })).toThrow(/which Karpenter sets itself/);
    expect(() => nodeClass('E', { rootVolume: { size: Size.mebibytes(1536) } })).toThrow(/rootVolume.size is Size.mebibytes\(1536\); give a whole number of GiB/);
    expect(() => nodeClass('F', { rootVolume: { size: Size.gibibytes(0) } })).toThrow(/rootVolume.size is Size.gibibytes\(0\)/);
  });
});

describe('AMI and selector term classes', () => {
  test('AmiFamily.of finds the known families case-insensitively and accepts new names', () => {
    expect(AmiFamily.of('al2023')).toBe(AmiFamily.AL2023);
    expect(AmiFamily.of('BOTTLEROCKET')).toBe(AmiFamily.BOTTLEROCKET);
    expect(AmiFamily.of('Windows2028').aliasFamily).toBe('windows2028');
    expect(() => AmiFamily.of('al 2023')).toThrow(/^\[InvalidAmiFamily\] AmiFamily.of\("al 2023"\)/);
  });

  test('AmiAlias renders family@version and refuses what Karpenter refuses', () => {
    expect(AmiAlias.of(AmiFamily.BOTTLEROCKET, 'v1.50.0').value).toBe('bottlerocket@v1.50.0');
    expect(AmiAlias.latest(AmiFamily.AL2023).isLatest).toBe(true);
    expect(() => AmiAlias.of(AmiFamily.WINDOWS2022, 'v20250101')).toThrow(/only accepts 'windows2022@latest'.*AmiAlias.latest\(AmiFamily.WINDOWS2022\)/);
    expect(() => AmiAlias.latest(AmiFamily.CUSTOM)).toThrow(/the Custom family has no alias/);
    expect(() => AmiAlias.of(AmiFamily.AL2023, 'v2025@1')).toThrow(/version must be a literal EKS AMI release/);
    expect(() => AmiAlias.of(AmiFamily.AL2023, 'v' + '1'.repeat(30))).toThrow(/the EC2NodeClass CRD allows at most 30/);
  });

  test('selector terms check ids, tags and names', () => {
    expect(() => AmiSelectorTerm.fromId('i-123')).toThrow(/an AMI id looks like 'ami-0123456789abcdef0'/);
    expect(() => SubnetSelectorTerm.fromId('sg-123')).toThrow(/a subnet id looks like/);
    expect(() => SecurityGroupSelectorTerm.fromId('subnet-1')).toThrow(/a security group id looks like/);
    expect(() => SubnetSelectorTerm.fromTags({})).toThrow(/give between 1 and 20 tags/);
    expect(() => SecurityGroupSelectorTerm.fromTags({ a: '' })).toThrow(/tag keys and values must not be empty/);
    expect(() => AmiSelectorTerm.fromName(' ')).toThrow(/name is " "; give a non-empty value/);
    expect(() => AmiSelectorTerm.fromTags({ a: 'b' }, { owner: '' })).toThrow(/owner is ""/);
  });
});
