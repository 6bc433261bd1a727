// A zero-props HardenedCluster launches hardened nodes through its own default node class and pool.
process.env.CDK_VALIDATION = 'false';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AmiAlias, AmiFamily, AmiSelectorTerm, HardenedCluster, ImdsAudit } from '../../src';
import { kubernetesObjectsIn, validateKarpenterObject } from '../support/crd-validator';

function zeroProps(props = {}) {
  const stack = new Stack(new App(), 'Platform');
  const cluster = new HardenedCluster(stack, 'Cluster', props);
  return { stack, cluster };
}

test('a zero-props cluster has an EC2NodeClass and a NodePool named default, valid for their CRDs, with hop limit 1', () => {
  const { stack, cluster } = zeroProps();
  expect(cluster.defaultNodeClass?.node.id).toBe('default');
  expect(cluster.defaultNodePool?.node.id).toBe('default');
  // Subnet and security group ids are deploy-time values: give them the shape EC2 uses.
  const deployTimeValue = (intrinsic: any, t: any) => {
    if (intrinsic?.Ref && t.Resources[intrinsic.Ref]?.Type === 'AWS::EC2::Subnet') return 'subnet-0123456789abcdef0';
    if (intrinsic?.['Fn::GetAtt']?.[1] === 'ClusterSecurityGroupId') return 'sg-0123456789abcdef0';
    return undefined;
  };
  const objects = kubernetesObjectsIn(Template.fromStack(stack).toJSON(), deployTimeValue).map(({ object }) => object)
    .filter((o: any) => ['EC2NodeClass', 'NodePool'].includes(o.kind) && o.metadata?.name === 'default');
  expect(objects.map((o: any) => o.kind).sort()).toEqual(['EC2NodeClass', 'NodePool']);
  for (const o of objects) {
    expect({ object: `${o.kind}/default`, violations: validateKarpenterObject(o) }).toEqual({ object: `${o.kind}/default`, violations: [] });
  }
  const nodeClass: any = objects.find((o: any) => o.kind === 'EC2NodeClass');
  const nodePool: any = objects.find((o: any) => o.kind === 'NodePool');
  expect(nodeClass.spec.metadataOptions).toEqual({ httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 1, httpTokens: 'required' });
  expect(nodePool.spec.template.spec.nodeClassRef).toEqual({ group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' });
  expect(ImdsAudit.ofStack(stack).filter((f) => f.severity === 'error')).toEqual([]);
});

test('the default node class takes its options; your own node classes and pools keep working beside it', () => {
  const { cluster } = zeroProps({ defaultNodeClassOptions: { amiSelectorTerms: [AmiSelectorTerm.fromAlias(AmiAlias.of(AmiFamily.AL2023, 'v20251117'))] } });
  const gpu = cluster.addEc2NodeClass('gpu');
  expect(() => cluster.addNodePool('gpu', { nodeClass: gpu })).not.toThrow();
  expect(() => cluster.addNodePool('spot', { nodeClass: cluster.defaultNodeClass! })).not.toThrow();
});

test('a node class or pool of your own named default is refused, naming the prop', () => {
  const { cluster } = zeroProps();
  expect(() => cluster.addEc2NodeClass('default')).toThrow(/DefaultCapacityNameTaken.*addEc2NodeClass\('default'\).*defaultCapacity: false/);
  expect(() => cluster.addNodePool('default', { nodeClass: cluster.defaultNodeClass! })).toThrow(/DefaultCapacityNameTaken.*NodePool named 'default'/);
});

test('defaultCapacity: false leaves both out (and your default is yours); options without it are refused', () => {
  const { cluster } = zeroProps({ defaultCapacity: false });
  expect(cluster.defaultNodeClass).toBeUndefined();
  expect(cluster.defaultNodePool).toBeUndefined();
  expect(() => cluster.addNodePool('default', { nodeClass: cluster.addEc2NodeClass('default') })).not.toThrow();
  expect(() => zeroProps({ defaultCapacity: false, defaultNodeClassOptions: {} })).toThrow(/DefaultNodeClassOptionsIgnored/);
});
