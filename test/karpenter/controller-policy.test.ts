process.env.CDK_VALIDATION = 'false';
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { KarpenterControllerPolicy, KarpenterControllerPolicyProps } from '../../src/karpenter/controller-policy';
import { IamStatement, list, managedPolicies, statementsBySid } from '../support/cfn-strings';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const P = '<AWS::Partition>';
const CLUSTER_ARN = `arn:${P}:eks:${REGION}:${ACCOUNT}:cluster/prod`;

function build(options: Partial<KarpenterControllerPolicyProps> = {}, clusterName = 'prod') {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: REGION } });
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName });
  const role = new iam.Role(stack, 'Controller', { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com') });
  const nodeRole = new iam.Role(stack, 'Node', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  const queue = new sqs.Queue(stack, 'Queue');
  const policy = new KarpenterControllerPolicy(stack, 'Policy', { cluster, role, nodeRole, interruptionQueue: queue, ...options });
  const template = Template.fromStack(stack);
  const id = (c: { node: { defaultChild?: unknown } }) => stack.resolve((c.node.defaultChild as iam.CfnRole).logicalId);
  return { stack, policy, template, ids: { role: id(role), nodeRole: id(nodeRole), queue: id(queue) }, statements: statementsBySid(template) };
}

function get(statements: Map<string, IamStatement>, sid: string): IamStatement {
  const statement = statements.get(sid);
  if (!statement) {
    throw new Error(`no statement ${sid}; have ${[...statements.keys()].join(', ')}`);
  }
  return statement;
}

/** An action only reads (Describe, Get, List): the only kind a statement may allow on `*` without a condition. */
function isReadOnly(action: string): boolean {
  return /^[a-z0-9-]+:(Describe|Get|List)[A-Za-z]*$/.test(action);
}

describe('KarpenterControllerPolicy', () => {
  const { template, ids, statements } = build();
  const ec2 = (resource: string) => `arn:${P}:ec2:${REGION}:*:${resource}`;
  const ownedCondition = { 'aws:RequestTag/kubernetes.io/cluster/prod': 'owned' };

  test('seven managed policies, each attached to the controller role', () => {
    const policies = managedPolicies(template);
    expect(policies).toHaveLength(7);
    for (const policy of policies) {
      expect(policy.roles).toEqual([{ Ref: ids.role }]);
    }
    const groups = policies.map((p) => p.id.replace(/^Policy/, '').replace(/[0-9A-F]{8}$/, '')).sort();
    expect(groups).toEqual(['EKSIntegration', 'IAMIntegration', 'Interruption', 'MetadataGuardrails', 'NodeLifecycle', 'ResourceDiscovery', 'ZonalShift']);
  });

  describe('NodeLifecycle', () => {
    test('instances, fleets and launch templates are created only with this cluster\'s owned tag, its name and a nodepool tag', () => {
      const statement = get(statements, 'AllowScopedEC2InstanceActionsWithTags');
      expect(list(statement.Action).sort()).toEqual(['ec2:CreateFleet', 'ec2:CreateLaunchTemplate', 'ec2:RunInstances']);
      expect(statement.Resource).toEqual(
        ['fleet/*', 'instance/*', 'volume/*', 'network-interface/*', 'launch-template/*', 'spot-instances-request/*'].map(ec2));
      expect(statement.Condition).toEqual({
        StringEquals: { ...ownedCondition, 'aws:RequestTag/eks:eks-cluster-name': 'prod' },
        StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
      });
    });

    test('launches use only launch templates tagged as this cluster\'s and a nodepool\'s', () => {
      const statement = get(statements, 'AllowScopedEC2LaunchTemplateAccessActions');
      expect(statement.Resource).toBe(ec2('launch-template/*'));
      expect(statement.Condition).toEqual({
        StringEquals: { 'aws:ResourceTag/kubernetes.io/cluster/prod': 'owned' },
        StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
      });
    });

    test('launches reference images, snapshots, subnets, security groups, reservations and placement groups of this region only', () => {
      const statement = get(statements, 'AllowScopedEC2InstanceAccessActions');
      expect(list(statement.Action).sort()).toEqual(['ec2:CreateFleet', 'ec2:RunInstances']);
      expect(statement.Resource).toEqual([
        `arn:${P}:ec2:${REGION}::image/*`,
        `arn:${P}:ec2:${REGION}::snapshot/*`,
        ec2('security-group/*'),
        ec2('subnet/*'),
        ec2('capacity-reservation/*'),
        ec2('placement-group/*'),
      ]);
    });

    test('tags are written at creation only, by the three creating actions, with the cluster\'s tags', () => {
      const statement = get(statements, 'AllowScopedResourceCreationTagging');
      expect(statement.Action).toBe('ec2:CreateTags');
      expect(statement.Condition).toEqual({
        StringEquals: {
          ...ownedCondition,
          'aws:RequestTag/eks:eks-cluster-name': 'prod',
          'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'],
        },
        StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
      });
    });

    test('existing instances get only the Name, nodeclaim and cluster-name tags, and only if they are this cluster\'s', () => {
      const statement = get(statements, 'AllowScopedResourceTagging');
      expect(statement.Resource).toBe(ec2('instance/*'));
      expect(statement.Condition).toEqual({
        'StringEquals': { 'aws:ResourceTag/kubernetes.io/cluster/prod': 'owned' },
        'StringLike': { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
        'StringEqualsIfExists': { 'aws:RequestTag/eks:eks-cluster-name': 'prod' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'] },
      });
    });

    test('termination and launch-template deletion need this cluster\'s owned tag and a nodepool tag on the resource', () => {
      const statement = get(statements, 'AllowScopedDeletion');
      expect(list(statement.Action).sort()).toEqual(['ec2:DeleteLaunchTemplate', 'ec2:TerminateInstances']);
      expect(statement.Resource).toEqual([ec2('instance/*'), ec2('launch-template/*')]);
      expect(statement.Condition).toEqual({
        StringEquals: { 'aws:ResourceTag/kubernetes.io/cluster/prod': 'owned' },
        StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
      });
    });
  });

  describe('IAMIntegration', () => {
    test('iam:PassRole on the node role only, and only to EC2', () => {
      const statement = get(statements, 'AllowPassingInstanceRole');
      expect(statement.Action).toBe('iam:PassRole');
      expect(statement.Resource).toBe(`<${ids.nodeRole}.Arn>`);
      expect(statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'] } });
      const passing = [...statements.values()].filter((s) => list(s.Action).some((a) => a === 'iam:PassRole' || a.includes('*')));
      expect(passing.map((s) => s.Sid)).toEqual(['AllowPassingInstanceRole']);
    });

    test('instance profiles are created only with this cluster\'s, this region\'s and an EC2NodeClass\'s tags', () => {
      const statement = get(statements, 'AllowScopedInstanceProfileCreationActions');
      expect(statement.Action).toEqual(['iam:CreateInstanceProfile']);
      expect(statement.Resource).toBe(`arn:${P}:iam::${ACCOUNT}:instance-profile/*`);
      expect(statement.Condition).toEqual({
        StringEquals: {
          ...ownedCondition,
          'aws:RequestTag/eks:eks-cluster-name': 'prod',
          'aws:RequestTag/topology.kubernetes.io/region': REGION,
        },
        StringLike: { 'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*' },
      });
    });

    test('instance profiles are tagged only if they are this cluster\'s and keep its tags', () => {
      expect(get(statements, 'AllowScopedInstanceProfileTagActions').Condition).toEqual({
        StringEquals: {
          'aws:ResourceTag/kubernetes.io/cluster/prod': 'owned',
          'aws:ResourceTag/topology.kubernetes.io/region': REGION,
          ...ownedCondition,
          'aws:RequestTag/eks:eks-cluster-name': 'prod',
          'aws:RequestTag/topology.kubernetes.io/region': REGION,
        },
        StringLike: {
          'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*',
          'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*',
        },
      });
    });

    test('roles are added to, removed from and deleted with only this cluster\'s instance profiles in this region', () => {
      const statement = get(statements, 'AllowScopedInstanceProfileActions');
      expect(list(statement.Action).sort()).toEqual(['iam:AddRoleToInstanceProfile', 'iam:DeleteInstanceProfile', 'iam:RemoveRoleFromInstanceProfile']);
      expect(statement.Condition).toEqual({
        StringEquals: { 'aws:ResourceTag/kubernetes.io/cluster/prod': 'owned', 'aws:ResourceTag/topology.kubernetes.io/region': REGION },
        StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*' },
      });
    });
  });

  test('EKSIntegration: eks:DescribeCluster on this cluster only', () => {
    const statement = get(statements, 'AllowAPIServerEndpointDiscovery');
    expect(statement).toEqual({ Sid: 'AllowAPIServerEndpointDiscovery', Effect: 'Allow', Action: 'eks:DescribeCluster', Resource: CLUSTER_ARN });
  });

  test('Interruption: delete, look up and receive messages on the interruption queue only', () => {
    const statement = get(statements, 'AllowInterruptionQueueActions');
    expect(list(statement.Action).sort()).toEqual(['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage']);
    expect(statement.Resource).toBe(`<${ids.queue}.Arn>`);
    const sqsStatements = [...statements.values()].filter((s) => list(s.Action).some((a) => a.startsWith('sqs:')));
    expect(sqsStatements).toHaveLength(1);
  });

  describe('ResourceDiscovery', () => {
    test('EC2 Describe actions in this region only', () => {
      const statement = get(statements, 'AllowRegionalReadActions');
      expect(statement.Resource).toBe('*');
      expect(list(statement.Action).every((a) => /^ec2:Describe[A-Za-z]+$/.test(a))).toBe(true);
      expect(list(statement.Action)).toEqual(expect.arrayContaining([
        'ec2:DescribeImages', 'ec2:DescribeInstances', 'ec2:DescribeInstanceTypeOfferings', 'ec2:DescribeInstanceTypes',
        'ec2:DescribeLaunchTemplates', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSpotPriceHistory', 'ec2:DescribeSubnets',
        'ec2:DescribeCapacityReservations', 'ec2:DescribePlacementGroups',
      ]));
      expect(statement.Condition).toEqual({ StringEquals: { 'aws:RequestedRegion': REGION } });
    });

    test('ssm:GetParameter on the public AWS service parameters of this region only', () => {
      const statement = get(statements, 'AllowSSMReadActions');
      expect(statement.Action).toBe('ssm:GetParameter');
      expect(statement.Resource).toBe(`arn:${P}:ssm:${REGION}::parameter/aws/service/*`);
    });

    test('pricing:GetProducts, iam:GetInstanceProfile and iam:ListInstanceProfiles', () => {
      expect(get(statements, 'AllowPricingReadActions')).toMatchObject({ Action: 'pricing:GetProducts', Resource: '*' });
      expect(get(statements, 'AllowInstanceProfileReadActions')).toMatchObject({
        Action: 'iam:GetInstanceProfile', Resource: `arn:${P}:iam::${ACCOUNT}:instance-profile/*`,
      });
      expect(get(statements, 'AllowUnscopedInstanceProfileListAction')).toMatchObject({ Action: 'iam:ListInstanceProfiles', Resource: '*' });
    });
  });

  test('ZonalShift: arc-zonal-shift:GetManagedResource for this cluster only', () => {
    expect(get(statements, 'AllowZonalShiftStatusReadOnly')).toEqual({
      Sid: 'AllowZonalShiftStatusReadOnly',
      Effect: 'Allow',
      Action: 'arc-zonal-shift:GetManagedResource',
      Resource: '*',
      Condition: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': CLUSTER_ARN } },
    });
  });

  test('no statement allows a mutating action on * without a condition, and no action is a wildcard', () => {
    expect(statements.size).toBeGreaterThan(15);
    const violations: string[] = [];
    // The denies are MetadataGuardrails' (tested with an IAM simulator in controller-policy-denies.test.ts).
    const denies = new Set(['DenyInstancesWithHopLimitAboveOne', 'DenyInstancesWithImdsV1', 'DenyInstanceMetadataChanges']);
    for (const statement of statements.values()) {
      if (statement.Effect !== 'Allow' && !(statement.Effect === 'Deny' && denies.has(statement.Sid))) {
        violations.push(`${statement.Sid}: effect ${statement.Effect}`);
      }
      if (statement.Effect === 'Deny') {
        continue;
      }
      for (const action of list(statement.Action).filter((a) => !/^[a-z0-9-]+:[A-Za-z]+$/.test(a))) {
        violations.push(`${statement.Sid}: wildcard action ${action}`);
      }
      const onEverything = list(statement.Resource).some((r) => r === '*');
      const mutating = list(statement.Action).filter((a) => !isReadOnly(a));
      if (onEverything && mutating.length > 0 && Object.keys(statement.Condition ?? {}).length === 0) {
        violations.push(`${statement.Sid}: ${mutating.join(', ')} on * without a condition`);
      }
    }
    expect(violations).toEqual([]);
  });

  test('every mutating statement is scoped by a condition or by resources of this cluster', () => {
    const unconditionedMutating = [...statements.values()]
      .filter((s) => s.Effect === 'Allow' && !s.Condition && list(s.Action).some((a) => !isReadOnly(a)))
      .map((s) => s.Sid);
    // Launches must reference images, subnets, ... that Karpenter does not own: scoped to the region's ARNs instead;
    // the queue actions name the one queue.
    expect(unconditionedMutating.sort()).toEqual(['AllowInterruptionQueueActions', 'AllowScopedEC2InstanceAccessActions']);
    expect(list(get(statements, 'AllowScopedEC2InstanceAccessActions').Resource).every((r) => r.startsWith(`arn:${P}:ec2:${REGION}:`))).toBe(true);
  });

  test('each document fits the 6,144-character limit of a managed policy, even with long names', () => {
    const sizes = managedPolicies(template).map((policy) => {
      const worstCase = JSON.stringify({ Version: '2012-10-17', Statement: policy.statements })
        .replace(/<[^>]+>/g, 'x'.repeat(100))
        .replace(/prod/g, 'x'.repeat(100));
      return { id: policy.id, tooLong: worstCase.length >= 6144 };
    });
    expect(sizes.filter((s) => s.tooLong)).toEqual([]);
  });
});

describe('KarpenterControllerPolicy options', () => {
  test('without an interruption queue there is no interruption policy and no sqs action', () => {
    const { template, statements } = build({ interruptionQueue: undefined });
    expect(managedPolicies(template)).toHaveLength(6);
    expect([...statements.values()].some((s) => list(s.Action).some((a) => a.startsWith('sqs:')))).toBe(false);
  });

  test('zonalShift: false leaves out the zonal-shift policy', () => {
    const { statements } = build({ zonalShift: false });
    expect(statements.has('AllowZonalShiftStatusReadOnly')).toBe(false);
    expect([...statements.values()].some((s) => list(s.Action).some((a) => a.startsWith('arc-zonal-shift:')))).toBe(false);
  });

  test('a cluster name that is a CloudFormation reference lands in the condition keys', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const name = new CfnParameter(stack, 'ClusterNameParam').valueAsString;
    const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: name });
    const role = new iam.Role(stack, 'Controller', { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com') });
    new KarpenterControllerPolicy(stack, 'Policy', { cluster, role, nodeRole: role });
    const statements = statementsBySid(Template.fromStack(stack));
    expect(statements.get('AllowScopedEC2InstanceActionsWithTags')!.Condition!.StringEquals).toEqual({
      'aws:RequestTag/kubernetes.io/cluster/<ClusterNameParam>': 'owned',
      'aws:RequestTag/eks:eks-cluster-name': '<ClusterNameParam>',
    });
    expect(statements.get('AllowRegionalReadActions')!.Condition).toEqual({ StringEquals: { 'aws:RequestedRegion': '<AWS::Region>' } });
    expect(statements.get('AllowAPIServerEndpointDiscovery')!.Resource).toBe(
      `arn:${P}:eks:<AWS::Region>:<AWS::AccountId>:cluster/<ClusterNameParam>`);
  });

  test('an imported controller role gets the policies too', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'prod' });
    const role = iam.Role.fromRoleName(stack, 'Controller', 'existing-controller');
    new KarpenterControllerPolicy(stack, 'Policy', { cluster, role, nodeRole: role });
    const policies = managedPolicies(Template.fromStack(stack));
    expect(policies.length).toBeGreaterThan(0);
    for (const policy of policies) {
      expect(policy.roles).toEqual(['existing-controller']);
    }
  });
});
