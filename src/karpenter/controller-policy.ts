import { Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeAwsSolutions } from '../private/nag';
import { policyDocumentValue } from '../private/policy-document';

/**
 * Properties of a `KarpenterControllerPolicy`.
 */
export interface KarpenterControllerPolicyProps {
  /**
   * The cluster whose nodes the controller manages. Its name scopes every tag condition; its ARN
   * scopes `eks:DescribeCluster` (and the zonal-shift read).
   */
  readonly cluster: eks.ICluster;
  /**
   * The controller's role; the policies are attached to it.
   */
  readonly role: iam.IRole;
  /**
   * The role of the nodes Karpenter launches: the only role the controller may pass
   * (`iam:PassRole`, to EC2 only).
   */
  readonly nodeRole: iam.IRole;
  /**
   * The interruption queue the controller reads.
   *
   * @default - no interruption policy (the controller handles no interruption events)
   */
  readonly interruptionQueue?: sqs.IQueue;
  /**
   * Whether to add the ZonalShift policy: `arc-zonal-shift:GetManagedResource` on this cluster
   * only, so Karpenter can avoid an Availability Zone that an ARC zonal shift moved the cluster
   * away from. Read-only.
   *
   * @default true
   */
  readonly zonalShift?: boolean;
}

/**
 * The wildcard resources of Karpenter's own policy that cdk-nag (AwsSolutions-IAM5) reports, kept as
 * upstream writes them, each with why it cannot be narrowed.
 */
const WILDCARD_REASONS = new Map<string, Array<[string, string]>>([
  ['ResourceDiscovery', [
    ['*', 'EC2 Describe* (conditioned on aws:RequestedRegion = this region), pricing:GetProducts and iam:ListInstanceProfiles ' +
      'have no resource-level permissions; Karpenter\'s getting-started policy grants them on * in the same way. All read-only.'],
    ['arn:<AWS::Partition>:ssm:<AWS::Region>::parameter/aws/service/*',
      'The public parameters AWS publishes AMI ids under (/aws/service/...); ssm:GetParameter only, as in Karpenter\'s policy.'],
    ['arn:<AWS::Partition>:iam::<AWS::AccountId>:instance-profile/*',
      'iam:GetInstanceProfile (read-only) on this account\'s instance profiles: Karpenter generates the profile names, ' +
      'so no narrower ARN exists; creating and changing profiles is tag-scoped in IAMIntegration.'],
  ]],
  ['ZonalShift', [
    ['*', 'arc-zonal-shift:GetManagedResource has no resource ARN; the statement is conditioned on ' +
      'arc-zonal-shift:ResourceIdentifier = this cluster\'s ARN. Read-only.'],
  ]],
]);

/** One statement of a policy document, in the JSON form IAM reads. */
interface Statement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: { [operator: string]: { [key: string]: string | string[] } };
}

/**
 * The least-privilege policy of the Karpenter v1 controller, statement for statement as Karpenter's
 * getting-started CloudFormation template (`cloudformation.yaml`, v1.x) defines it, split into the
 * same managed policies:
 *
 * - NodeLifecycle: `RunInstances` / `CreateFleet` / `CreateLaunchTemplate` / `CreateTags` only with
 *   the request tags `kubernetes.io/cluster/<cluster>: owned`, `eks:eks-cluster-name: <cluster>` and
 *   `karpenter.sh/nodepool`; launch templates, termination and deletion only on resources carrying
 *   those tags;
 * - MetadataGuardrails (beyond Karpenter's template): denies `RunInstances` of an instance with a
 *   hop limit above 1 or `HttpTokens: optional` (where the request carries those keys), and
 *   `ModifyInstanceMetadataOptions`;
 * - IAMIntegration: `iam:PassRole` on the node role only, to EC2 only; instance-profile actions
 *   only on profiles tagged for this cluster, this region and an `EC2NodeClass`;
 * - EKSIntegration: `eks:DescribeCluster` on this cluster;
 * - Interruption: delete, receive and look up messages on the interruption queue only;
 * - ResourceDiscovery: EC2 `Describe*` in this region only (`aws:RequestedRegion`), public SSM
 *   parameters under `/aws/service/`, `pricing:GetProducts`, instance-profile reads;
 * - ZonalShift (optional): `arc-zonal-shift:GetManagedResource` on this cluster.
 *
 * No statement allows a mutating action on `*`. Each document is written as an object, except
 * where a condition key such as `aws:RequestTag/kubernetes.io/cluster/<cluster name>` holds a
 * generated cluster name (a CloudFormation reference, which cannot be an object key): that document
 * is JSON text, as the template's `!Sub` writes it.
 */
export class KarpenterControllerPolicy extends Construct {
  /** The managed policies, attached to the controller role. */
  public readonly policies: iam.IManagedPolicy[];

  constructor(scope: Construct, id: string, props: KarpenterControllerPolicyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const partition = stack.partition;
    const region = stack.region;
    const account = stack.account;
    const clusterName = props.cluster.clusterName;
    const clusterArn = props.cluster.clusterArn;
    const ec2Arn = (resource: string) => `arn:${partition}:ec2:${region}:*:${resource}`;
    const instanceProfiles = `arn:${partition}:iam::${account}:instance-profile/*`;
    const ownedTag = `kubernetes.io/cluster/${clusterName}`;
    const createdResources = [
      'fleet/*', 'instance/*', 'volume/*', 'network-interface/*', 'launch-template/*', 'spot-instances-request/*',
    ].map(ec2Arn);

    const groups: Array<{ id: string; description: string; statements: Statement[] }> = [];

    groups.push({
      id: 'NodeLifecycle',
      description: 'Karpenter controller: launch, tag and terminate only the instances and launch templates of this cluster',
      statements: [
        {
          Sid: 'AllowScopedEC2InstanceAccessActions',
          Effect: 'Allow',
          Resource: [
            `arn:${partition}:ec2:${region}::image/*`,
            `arn:${partition}:ec2:${region}::snapshot/*`,
            ec2Arn('security-group/*'),
            ec2Arn('subnet/*'),
            ec2Arn('capacity-reservation/*'),
            ec2Arn('placement-group/*'),
          ],
          Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
        },
        {
          Sid: 'AllowScopedEC2LaunchTemplateAccessActions',
          Effect: 'Allow',
          Resource: ec2Arn('launch-template/*'),
          Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
          Condition: {
            StringEquals: { [`aws:ResourceTag/${ownedTag}`]: 'owned' },
            StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
          },
        },
        {
          Sid: 'AllowScopedEC2InstanceActionsWithTags',
          Effect: 'Allow',
          Resource: createdResources,
          Action: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'],
          Condition: {
            StringEquals: {
              [`aws:RequestTag/${ownedTag}`]: 'owned',
              'aws:RequestTag/eks:eks-cluster-name': clusterName,
            },
            StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
          },
        },
        {
          Sid: 'AllowScopedResourceCreationTagging',
          Effect: 'Allow',
          Resource: createdResources,
          Action: 'ec2:CreateTags',
          Condition: {
            StringEquals: {
              [`aws:RequestTag/${ownedTag}`]: 'owned',
              'aws:RequestTag/eks:eks-cluster-name': clusterName,
              'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'],
            },
            StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
          },
        },
        {
          Sid: 'AllowScopedResourceTagging',
          Effect: 'Allow',
          Resource: ec2Arn('instance/*'),
          Action: 'ec2:CreateTags',
          Condition: {
            'StringEquals': { [`aws:ResourceTag/${ownedTag}`]: 'owned' },
            'StringLike': { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
            'StringEqualsIfExists': { 'aws:RequestTag/eks:eks-cluster-name': clusterName },
            'ForAllValues:StringEquals': { 'aws:TagKeys': ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'] },
          },
        },
        {
          Sid: 'AllowScopedDeletion',
          Effect: 'Allow',
          Resource: [ec2Arn('instance/*'), ec2Arn('launch-template/*')],
          Action: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
          Condition: {
            StringEquals: { [`aws:ResourceTag/${ownedTag}`]: 'owned' },
            StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
          },
        },
      ],
    });

    groups.push({
      id: 'MetadataGuardrails',
      description: 'Karpenter controller: never launch an instance whose hop limit is above 1 or that allows IMDSv1, never change metadata options',
      statements: [
        // Defense in depth, not the first line: the metadata condition keys exist only on the
        // instance resource of RunInstances (not on CreateLaunchTemplate or CreateFleet, Service
        // Authorization Reference); that CreateFleet's instance launches are evaluated against them
        // is reported by Karpenter users but not documented by AWS. The operators are false when the
        // key is absent, so Karpenter's dry-run RunInstances, which carries no metadata keys, is not
        // denied (a negated operator or a Null check would deny it: karpenter-provider-aws #9018).
        {
          Sid: 'DenyInstancesWithHopLimitAboveOne',
          Effect: 'Deny',
          Resource: ec2Arn('instance/*'),
          Action: 'ec2:RunInstances',
          Condition: { NumericGreaterThan: { 'ec2:MetadataHttpPutResponseHopLimit': '1' } },
        },
        {
          Sid: 'DenyInstancesWithImdsV1',
          Effect: 'Deny',
          Resource: ec2Arn('instance/*'),
          Action: 'ec2:RunInstances',
          Condition: { StringEquals: { 'ec2:MetadataHttpTokens': 'optional' } },
        },
        {
          Sid: 'DenyInstanceMetadataChanges',
          Effect: 'Deny',
          Resource: ec2Arn('instance/*'),
          Action: 'ec2:ModifyInstanceMetadataOptions',
        },
      ],
    });

    groups.push({
      id: 'IAMIntegration',
      description: 'Karpenter controller: pass the node role to EC2 and manage the instance profiles of this cluster',
      statements: [
        {
          Sid: 'AllowPassingInstanceRole',
          Effect: 'Allow',
          Resource: props.nodeRole.roleArn,
          Action: 'iam:PassRole',
          Condition: { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'] } },
        },
        {
          Sid: 'AllowScopedInstanceProfileCreationActions',
          Effect: 'Allow',
          Resource: instanceProfiles,
          Action: ['iam:CreateInstanceProfile'],
          Condition: {
            StringEquals: {
              [`aws:RequestTag/${ownedTag}`]: 'owned',
              'aws:RequestTag/eks:eks-cluster-name': clusterName,
              'aws:RequestTag/topology.kubernetes.io/region': region,
            },
            StringLike: { 'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*' },
          },
        },
        {
          Sid: 'AllowScopedInstanceProfileTagActions',
          Effect: 'Allow',
          Resource: instanceProfiles,
          Action: ['iam:TagInstanceProfile'],
          Condition: {
            StringEquals: {
              [`aws:ResourceTag/${ownedTag}`]: 'owned',
              'aws:ResourceTag/topology.kubernetes.io/region': region,
              [`aws:RequestTag/${ownedTag}`]: 'owned',
              'aws:RequestTag/eks:eks-cluster-name': clusterName,
              'aws:RequestTag/topology.kubernetes.io/region': region,
            },
            StringLike: {
              'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*',
              'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*',
            },
          },
        },
        {
          Sid: 'AllowScopedInstanceProfileActions',
          Effect: 'Allow',
          Resource: instanceProfiles,
          Action: ['iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile'],
          Condition: {
            StringEquals: {
              [`aws:ResourceTag/${ownedTag}`]: 'owned',
              'aws:ResourceTag/topology.kubernetes.io/region': region,
            },
            StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*' },
          },
        },
      ],
    });

    groups.push({
      id: 'EKSIntegration',
      description: 'Karpenter controller: discover the API server endpoint of this cluster',
      statements: [
        { Sid: 'AllowAPIServerEndpointDiscovery', Effect: 'Allow', Resource: clusterArn, Action: 'eks:DescribeCluster' },
      ],
    });

    if (props.interruptionQueue) {
      groups.push({
        id: 'Interruption',
        description: 'Karpenter controller: read and delete interruption events from its queue',
        statements: [
          {
            Sid: 'AllowInterruptionQueueActions',
            Effect: 'Allow',
            Resource: props.interruptionQueue.queueArn,
            Action: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'],
          },
        ],
      });
    }

    groups.push({
      id: 'ResourceDiscovery',
      description: 'Karpenter controller: read-only discovery of instance types, prices, images, subnets and security groups in this region',
      statements: [
        {
          Sid: 'AllowRegionalReadActions',
          Effect: 'Allow',
          Resource: '*',
          Action: [
            'ec2:DescribeCapacityReservations',
            'ec2:DescribeImages',
            'ec2:DescribeInstances',
            'ec2:DescribeInstanceStatus',
            'ec2:DescribeInstanceTypeOfferings',
            'ec2:DescribeInstanceTypes',
            'ec2:DescribeLaunchTemplates',
            'ec2:DescribePlacementGroups',
            'ec2:DescribeSecurityGroups',
            'ec2:DescribeSpotPriceHistory',
            'ec2:DescribeSubnets',
          ],
          Condition: { StringEquals: { 'aws:RequestedRegion': region } },
        },
        {
          Sid: 'AllowSSMReadActions',
          Effect: 'Allow',
          Resource: `arn:${partition}:ssm:${region}::parameter/aws/service/*`,
          Action: 'ssm:GetParameter',
        },
        { Sid: 'AllowPricingReadActions', Effect: 'Allow', Resource: '*', Action: 'pricing:GetProducts' },
        { Sid: 'AllowUnscopedInstanceProfileListAction', Effect: 'Allow', Resource: '*', Action: 'iam:ListInstanceProfiles' },
        { Sid: 'AllowInstanceProfileReadActions', Effect: 'Allow', Resource: instanceProfiles, Action: 'iam:GetInstanceProfile' },
      ],
    });

    if (props.zonalShift ?? true) {
      groups.push({
        id: 'ZonalShift',
        description: 'Karpenter controller: read the ARC zonal shift status of this cluster',
        statements: [
          {
            Sid: 'AllowZonalShiftStatusReadOnly',
            Effect: 'Allow',
            Resource: '*',
            Action: 'arc-zonal-shift:GetManagedResource',
            Condition: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': clusterArn } },
          },
        ],
      });
    }

    this.policies = groups.map(({ id: policyId, description, statements }) => {
      const policy = new iam.CfnManagedPolicy(this, policyId, {
        description,
        policyDocument: policyDocumentValue(stack, { Version: '2012-10-17', Statement: statements }),
        roles: [props.role.roleName],
      });
      for (const [finding, reason] of WILDCARD_REASONS.get(policyId) ?? []) {
        acknowledgeAwsSolutions(policy, `AwsSolutions-IAM5[Resource::${finding}]`, reason);
      }
      return iam.ManagedPolicy.fromManagedPolicyArn(this, `${policyId}Ref`, policy.ref);
    });
  }
}
