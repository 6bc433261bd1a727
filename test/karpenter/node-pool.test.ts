process.env.CDK_VALIDATION = 'false';

import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ImdsAudit } from '../../src/checks';
import {
  CapacityType, ConsolidationPolicy, CpuArchitecture, DisruptionReason, Ec2NodeClassRef, HardenedEc2NodeClass, NodePool, NodePoolOptions,
  RequirementOperator, TaintEffect,
} from '../../src/karpenter';
import { importedCluster, logicalId } from '../support/cdk';
import { kubernetesObjectsIn, validateKarpenterObject } from '../support/crd-validator';

/** An imported cluster (offline, cheap), a node role, and factories for node classes and pools. */
function setup() {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const cluster = importedCluster(stack, { id: 'Cluster', clusterName: 'c', oidc: false });
  const nodeRole = iam.Role.fromRoleName(stack, 'NodeRole', 'KarpenterNodeRole-c');
  const nodeClass = (id = 'Default', name?: string) => new HardenedEc2NodeClass(stack, id, { cluster, nodeRole, name });
  // Node classes and pools in separate scopes, so both can be called 'Default'.
  const pools = new Construct(stack, 'Pools');
  const nodePool = (id: string, options: NodePoolOptions) => new NodePool(pools, id, { ...options, cluster });
  return { app, stack, cluster, nodeRole, nodeClass, nodePool };
}

/**
 * The Karpenter objects the stack applies, by kind and name. Every object is checked with the
 * CRD oracle (schema + CEL) and the stack with the IMDS checker.
 */
function karpenterObjects(stack: Stack): Map<string, any> {
  const objects = new Map<string, any>();
  for (const { object } of kubernetesObjectsIn(Template.fromStack(stack).toJSON())) {
    const id = `${object.kind}/${object.metadata.name}`;
    expect({ id, violations: validateKarpenterObject(object) }).toEqual({ id, violations: [] });
    objects.set(id, object);
  }
  expect(ImdsAudit.ofStack(stack)).toEqual([]);
  return objects;
}

function pool(stack: Stack, name = 'default'): any {
  const o = karpenterObjects(stack).get(`NodePool/${name}`);
  expect(o).toBeDefined();
  return o;
}

describe('NodePool defaults', () => {
  test('renders a karpenter.sh/v1 NodePool for the node class, current-generation c/m/r On-Demand on amd64 and arm64', () => {
    const { stack, nodeClass, nodePool } = setup();
    const np = nodePool('Default', { nodeClass: nodeClass() });
    expect(np.nodePoolName).toBe('default');
    const o = pool(stack);
    expect(o.apiVersion).toBe('karpenter.sh/v1');
    expect(o.spec.template.spec.nodeClassRef).toEqual({ group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' });
    expect(o.spec.template.spec.requirements).toEqual([
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
      { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] },
      { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['c', 'm', 'r'] },
      { key: 'karpenter.k8s.aws/instance-generation', operator: 'Gt', values: ['5'] },
    ]);
  });

  test('limits 1000 vCPU / 1000 GiB, consolidates after 1m within 10%, expires nodes after 720h; no taints, labels or weight', () => {
    const { stack, nodeClass, nodePool } = setup();
    nodePool('Default', { nodeClass: nodeClass() });
    const o = pool(stack);
    expect(o.spec.limits).toEqual({ cpu: 1000, memory: '1000Gi' });
    expect(o.spec.disruption).toEqual({ consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '1m', budgets: [{ nodes: '10%' }] });
    expect(o.spec.template.spec.expireAfter).toBe('720h');
    expect(Object.keys(o.spec.template.spec).sort()).toEqual(['expireAfter', 'nodeClassRef', 'requirements']);
    expect(o.spec.template.metadata).toBeUndefined();
    expect(o.spec.weight).toBeUndefined();
  });

  test('is applied after its HardenedEc2NodeClass', () => {
    const { stack, nodeClass, nodePool } = setup();
    const nc = nodeClass();
    const np = nodePool('Default', { nodeClass: nc });
    const resources = Template.fromStack(stack).toJSON().Resources;
    expect(resources[logicalId(stack, np.manifest)].DependsOn).toEqual([logicalId(stack, nc.manifest)]);
  });

  test('synthesizes byte-identical templates twice', () => {
    const synth = () => {
      const { app, nodeClass, nodePool } = setup();
      const np = nodePool('General Purpose', { nodeClass: nodeClass() });
      np.addTaint({ key: 'example.com/dedicated', value: 'batch', effect: TaintEffect.NO_SCHEDULE });
      return JSON.stringify(app.synth().getStackByName('Stack').template);
    };
    const first = synth();
    expect(synth()).toBe(first);
    expect(first).toContain('general-purpose');
  });
});

describe('NodePool options', () => {
  test('capacity types, architectures, categories, generation, limits, disruption, expiry, labels and weight', () => {
    const { stack, nodeClass, nodePool } = setup();
    nodePool('Spot', {
      nodeClass: nodeClass(),
      name: 'spot',
      capacityTypes: [CapacityType.SPOT, CapacityType.ON_DEMAND],
      architectures: [CpuArchitecture.ARM64],
      instanceCategories: ['c', 'm'],
      minInstanceGeneration: 7,
      limits: { cpu: 64.5, memory: Size.mebibytes(1536) },
      disruption: {
        consolidationPolicy: ConsolidationPolicy.WHEN_EMPTY,
        consolidateAfter: Duration.seconds(30),
        budgets: [
          { nodes: '20%', reasons: [DisruptionReason.EMPTY, DisruptionReason.DRIFTED] },
          { nodes: '0', schedule: '0 9 * * mon-fri', duration: Duration.minutes(90) },
        ],
      },
      expireAfter: Duration.days(1),
      terminationGracePeriod: Duration.hours(48),
      labels: { 'example.com/team': 'data' },
      weight: 50,
    });
    const o = pool(stack, 'spot');
    expect(o.spec.template.spec.requirements).toEqual([
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot', 'on-demand'] },
      { key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] },
      { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['c', 'm'] },
      { key: 'karpenter.k8s.aws/instance-generation', operator: 'Gt', values: ['6'] },
    ]);
    expect(o.spec.limits).toEqual({ cpu: '64.5', memory: '1536Mi' });
    expect(o.spec.disruption).toEqual({
      consolidationPolicy: 'WhenEmpty',
      consolidateAfter: '30s',
      budgets: [{ nodes: '20%', reasons: ['Empty', 'Drifted'] }, { nodes: '0', schedule: '0 9 * * mon-fri', duration: '1h30m' }],
    });
    expect(o.spec.template.spec.expireAfter).toBe('24h');
    expect(o.spec.template.spec.terminationGracePeriod).toBe('48h');
    expect(o.spec.template.metadata).toEqual({ labels: { 'example.com/team': 'data' } });
    expect(o.spec.weight).toBe(50);
  });

  test('requirements, taints and startup taints added after construction are rendered', () => {
    const { stack, nodeClass, nodePool } = setup();
    const np = nodePool('Gpu', {
      nodeClass: nodeClass(),
      requirements: [{ key: 'karpenter.k8s.aws/instance-family', requirementOperator: RequirementOperator.IN, values: ['g5', 'g6', 'g6e'], minValues: 2 }],
    });
    np.addRequirement({ key: 'topology.kubernetes.io/zone', requirementOperator: RequirementOperator.NOT_IN, values: ['us-east-1e'] });
    np.addRequirement({ key: 'karpenter.k8s.aws/instance-gpu-count', requirementOperator: RequirementOperator.GTE, values: ['1'] });
    np.addTaint({ key: 'nvidia.com/gpu', effect: TaintEffect.NO_SCHEDULE });
    np.addStartupTaint({ key: 'example.com/agent-not-ready', value: 'true', effect: TaintEffect.NO_EXECUTE });
    const spec = pool(stack, 'gpu').spec.template.spec;
    expect(spec.requirements.slice(4)).toEqual([
      { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['g5', 'g6', 'g6e'], minValues: 2 },
      { key: 'topology.kubernetes.io/zone', operator: 'NotIn', values: ['us-east-1e'] },
      { key: 'karpenter.k8s.aws/instance-gpu-count', operator: 'Gte', values: ['1'] },
    ]);
    expect(spec.taints).toEqual([{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }]);
    expect(spec.startupTaints).toEqual([{ key: 'example.com/agent-not-ready', value: 'true', effect: 'NoExecute' }]);
    expect(np.requirements).toHaveLength(7);
    expect(np.taints).toEqual([{ key: 'nvidia.com/gpu', effect: TaintEffect.NO_SCHEDULE, value: undefined }]);
  });

  test('a requirement on a default key replaces that default', () => {
    const { stack, nodeClass, nodePool } = setup();
    const np = nodePool('Default', { nodeClass: nodeClass() });
    np.addRequirement({ key: 'karpenter.k8s.aws/instance-category', requirementOperator: RequirementOperator.NOT_IN, values: ['t'] });
    const requirements = pool(stack).spec.template.spec.requirements;
    expect(requirements.filter((r: any) => r.key === 'karpenter.k8s.aws/instance-category')).toEqual([
      { key: 'karpenter.k8s.aws/instance-category', operator: 'NotIn', values: ['t'] },
    ]);
    expect(requirements).toHaveLength(4);
  });

  test('getters return copies', () => {
    const { nodeClass, nodePool } = setup();
    const np = nodePool('Default', { nodeClass: nodeClass() });
    np.requirements[0].values!.push('spot');
    np.requirements.pop();
    expect(np.requirements[0].values).toEqual(['on-demand']);
    expect(np.requirements).toHaveLength(4);
  });

  test('CapacityType and CpuArchitecture name values newer than the library', () => {
    expect(CapacityType.of('spot')).toBe(CapacityType.SPOT);
    expect(CapacityType.of('capacity-block').value).toBe('capacity-block');
    expect(CpuArchitecture.of('arm64')).toBe(CpuArchitecture.ARM64);
    expect(() => CapacityType.of('on demand')).toThrow(/^\[InvalidLabelValue\] CapacityType.of\("on demand"\): give a literal label value/);
    expect(() => CpuArchitecture.of('')).toThrow(/CpuArchitecture.of\(""\)/);
  });
});

describe('NodePool and its node class, across the app', () => {
  test('Ec2NodeClassRef.fromName matches a HardenedEc2NodeClass on the same cluster (and waits for one made before)', () => {
    const { stack, nodeClass, nodePool } = setup();
    const nc = nodeClass('Gpu', 'gpu');
    const np = nodePool('Gpu', { nodeClass: Ec2NodeClassRef.fromName('gpu') });
    nodePool('Later', { nodeClass: Ec2NodeClassRef.fromName('later') });
    nodeClass('Later', 'later');
    expect(pool(stack, 'gpu').spec.template.spec.nodeClassRef.name).toBe('gpu');
    expect(Template.fromStack(stack).toJSON().Resources[logicalId(stack, np.manifest)].DependsOn).toEqual([logicalId(stack, nc.manifest)]);
  });

  test('fails synth when Ec2NodeClassRef.fromName matches no HardenedEc2NodeClass on the cluster, naming both', () => {
    const { app, nodeClass, nodePool } = setup();
    nodeClass('Default');
    nodePool('Gpu', { nodeClass: Ec2NodeClassRef.fromName('gpu') });
    expect(() => app.synth()).toThrow(new RegExp(
      "NodePool 'gpu' \\(Stack/Pools/Gpu\\) uses EC2NodeClass 'gpu' \\(Ec2NodeClassRef.fromName\\), but no HardenedEc2NodeClass named 'gpu' " +
      "is applied to cluster 'c' \\(Stack/Cluster\\) in this app; it has 'default' \\(Stack/Default\\)\\..*Ec2NodeClassRef.fromExternalName\\(\\)"));
  });

  test('a node class of that name on another cluster does not count', () => {
    const { app, stack, nodeRole, nodePool } = setup();
    new HardenedEc2NodeClass(stack, 'Elsewhere', { cluster: importedCluster(stack, { id: 'Other', clusterName: 'other', oidc: false }), nodeRole, name: 'gpu' });
    nodePool('Gpu', { nodeClass: Ec2NodeClassRef.fromName('gpu') });
    expect(() => app.synth()).toThrow(/no HardenedEc2NodeClass named 'gpu' is applied to cluster 'c' \(Stack\/Cluster\) in this app\. Add/);
  });

  test('the same cluster imported twice (same name) is one cluster', () => {
    const { stack, nodeRole, nodePool } = setup();
    new HardenedEc2NodeClass(stack, 'Default', { cluster: importedCluster(stack, { id: 'Again', clusterName: 'c', oidc: false }), nodeRole });
    nodePool('Default', { nodeClass: Ec2NodeClassRef.fromName('default') });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('fails synth when a HardenedEc2NodeClass of another cluster is passed', () => {
    const { app, stack, nodeRole, nodePool } = setup();
    const other = new HardenedEc2NodeClass(stack, 'Other', { cluster: importedCluster(stack, { id: 'OtherCluster', clusterName: 'other', oidc: false }), nodeRole });
    nodePool('Default', { nodeClass: other });
    expect(() => app.synth()).toThrow(
      /NodePool 'default' \(Stack\/Pools\/Default\) is applied to cluster 'c' \(Stack\/Cluster\), but its nodeClass HardenedEc2NodeClass 'other' \(Stack\/Other\) is applied to cluster 'other'/);
  });

  test('Ec2NodeClassRef.fromExternalName is not checked and adds no dependency', () => {
    const { stack, nodePool } = setup();
    const np = nodePool('Default', { nodeClass: Ec2NodeClassRef.fromExternalName('managed-by-argo') });
    expect(pool(stack).spec.template.spec.nodeClassRef.name).toBe('managed-by-argo');
    expect(Template.fromStack(stack).toJSON().Resources[logicalId(stack, np.manifest)].DependsOn).toBeUndefined();
  });
});

describe('NodePool validation', () => {
  test('names: invalid, and twice on one cluster', () => {
    const { nodeClass, nodePool } = setup();
    const nc = nodeClass();
    expect(() => nodePool('A', { nodeClass: nc, name: 'Spot_Pool' })).toThrow(/^\[InvalidNodePoolName\] Stack\/Pools\/A: name is "Spot_Pool"; a NodePool name must be a literal DNS-1123 label/);
    nodePool('Default', { nodeClass: nc });
    expect(() => nodePool('Again', { nodeClass: nc, name: 'default' })).toThrow(
      /^\[DuplicateNodePool\] Stack\/Pools\/Again: a NodePool named 'default' is already applied to this cluster \(Stack\/Pools\/Default\)/);
  });

  test('requirements that the CRD or Kubernetes would refuse', () => {
    const { nodeClass, nodePool } = setup();
    const np = nodePool('Default', { nodeClass: nodeClass() });
    const add = (key: string, operator: RequirementOperator, values?: string[], minValues?: number) =>
      () => np.addRequirement({ key, requirementOperator: operator, values, minValues });
    expect(add('karpenter.sh/nodepool', RequirementOperator.EXISTS)).toThrow(/^\[RestrictedLabelKey\] Stack\/Pools\/Default: the key of requirement 'karpenter.sh\/nodepool' cannot be used/);
    expect(add('kubernetes.io/hostname', RequirementOperator.EXISTS)).toThrow(/kubernetes.io\/hostname is unique to each node/);
    expect(add('karpenter.k8s.aws/made-up', RequirementOperator.EXISTS)).toThrow(/the karpenter.k8s.aws domain is reserved/);
    expect(add('team name', RequirementOperator.EXISTS)).toThrow(/is not a valid label key/);
    expect(add('example.com/team', RequirementOperator.IN, [])).toThrow(/uses In without values/);
    expect(add('example.com/team', RequirementOperator.EXISTS, ['a'])).toThrow(/uses Exists with values \["a"\]; Exists takes no values/);
    expect(add('karpenter.k8s.aws/instance-cpu', RequirementOperator.GT, ['4', '8'])).toThrow(/Gt takes exactly one non-negative integer/);
    expect(add('karpenter.k8s.aws/instance-cpu', RequirementOperator.LT, ['-1'])).toThrow(/Lt takes exactly one non-negative integer/);
    expect(add('example.com/team', RequirementOperator.IN, ['a'], 2)).toThrow(/has minValues 2; give an integer from 1 to 50 and at most the number of values \(1\)/);
    expect(add('example.com/team', RequirementOperator.NOT_IN, ['a'], 1)).toThrow(/minValues only applies to In/);
    expect(add('example.com/team', RequirementOperator.IN, ['not valid'])).toThrow(/has the value "not valid"/);
  });

  test('a requirement and the prop for the same key', () => {
    const { nodeClass, nodePool } = setup();
    const nc = nodeClass();
    expect(() => nodePool('A', {
      nodeClass: nc,
      capacityTypes: [CapacityType.SPOT],
      requirements: [{ key: 'karpenter.sh/capacity-type', requirementOperator: RequirementOperator.IN, values: ['on-demand'] }],
    })).toThrow(/^\[ConflictingRequirement\] Stack\/Pools\/A: a requirement on 'karpenter.sh\/capacity-type' conflicts with the capacityTypes prop/);
    const np = nodePool('B', { nodeClass: nc, architectures: [CpuArchitecture.AMD64] });
    expect(() => np.addRequirement({ key: 'kubernetes.io/arch', requirementOperator: RequirementOperator.IN, values: ['arm64'] })).toThrow(/conflicts with the architectures prop/);
  });

  test('empty or invalid defaults props, limits, weight, labels', () => {
    const { nodeClass, nodePool } = setup();
    const nodeClassRef = nodeClass();
    const make = (id: string, options: Omit<NodePoolOptions, 'nodeClass'>) => () => nodePool(id, { nodeClass: nodeClassRef, ...options });
    expect(make('A', { capacityTypes: [] })).toThrow(/^\[EmptyRequirement\] Stack\/Pools\/A: capacityTypes is empty/);
    expect(make('B', { instanceCategories: ['c6'] })).toThrow(/instanceCategories has "c6"; an instance category is the letters/);
    expect(make('C', { minInstanceGeneration: 0 })).toThrow(/minInstanceGeneration is 0; give a literal integer of at least 1/);
    expect(make('D', { limits: { cpu: 0 } })).toThrow(/limits.cpu is 0; give a positive number/);
    expect(make('E', { limits: { memory: Size.kibibytes(1) } })).toThrow(/limits.memory is Size.kibibytes\(1\); give a positive whole number of MiB/);
    expect(make('F', { weight: 0 })).toThrow(/weight is 0; give an integer from 1 to 100/);
    expect(make('G', { weight: 101 })).toThrow(/weight is 101/);
    expect(make('H', { labels: { 'karpenter.sh/nodepool': 'x' } })).toThrow(/labels key 'karpenter.sh\/nodepool' cannot be used in a NodePool: Karpenter sets/);
    expect(make('I', { labels: { team: 'a b' } })).toThrow(/labels\['team'\] is "a b"/);
  });

  test('disruption budgets and durations', () => {
    const { nodeClass, nodePool } = setup();
    const nodeClassRef = nodeClass();
    const make = (id: string, options: Omit<NodePoolOptions, 'nodeClass'>) => () => nodePool(id, { nodeClass: nodeClassRef, ...options });
    expect(make('A', { disruption: { budgets: [{ nodes: '150%' }] } })).toThrow(/disruption.budgets\[0\].nodes is "150%"; give a literal node count/);
    expect(make('B', { disruption: { budgets: [{ nodes: '1', schedule: '@daily' }] } })).toThrow(/disruption.budgets\[0\] has a schedule but no duration; give both/);
    expect(make('C', { disruption: { budgets: [{ nodes: '1', schedule: '@daily', duration: Duration.seconds(90) }] } })).toThrow(
      /disruption.budgets\[0\].duration is 1 minute 30 seconds; a budget lasts a positive whole number of minutes/);
    expect(make('D', { disruption: { budgets: [{ nodes: '1', schedule: 'daily', duration: Duration.hours(1) }] } })).toThrow(/schedule is "daily"; give a cron expression/);
    expect(make('E', { expireAfter: Duration.millis(1500) })).toThrow(/expireAfter is 1 second 500 millis; give a whole, non-negative number of seconds/);
  });

  test('taints', () => {
    const { nodeClass, nodePool } = setup();
    const np = nodePool('Default', { nodeClass: nodeClass(), taints: [{ key: 'example.com/dedicated', effect: TaintEffect.NO_SCHEDULE }] });
    expect(() => np.addTaint({ key: 'example.com/dedicated', value: 'x', effect: TaintEffect.NO_SCHEDULE })).toThrow(
      /^\[DuplicateTaint\] Stack\/Pools\/Default: taints already has a taint 'example.com\/dedicated' with effect NoSchedule/);
    expect(() => np.addTaint({ key: 'bad key', effect: TaintEffect.NO_EXECUTE })).toThrow(/taints: the key "bad key" is not a qualified name/);
    expect(() => np.addStartupTaint({ key: 'k', value: 'a b', effect: TaintEffect.NO_EXECUTE })).toThrow(/startupTaints: the value of taint 'k' is "a b"/);
  });
});
