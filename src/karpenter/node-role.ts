import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeNodeRolePolicies } from '../private/nag';

/**
 * Properties of a `KarpenterNodeRole`.
 */
export interface KarpenterNodeRoleProps {
  /**
   * The cluster Karpenter's nodes join.
   */
  readonly cluster: eks.ICluster;
  /**
   * An existing role for the nodes instead of a new one. It gets the `EC2_LINUX` access entry
   * unless `accessEntry` is false; its policies are left as they are.
   *
   * @default - a new role (see the class documentation)
   */
  readonly role?: iam.IRole;
  /**
   * Whether to create the `EC2_LINUX` access entry that lets nodes with this role join the
   * cluster. Set it to false when the role already has one (a role shared with a managed node
   * group, whose access entry EKS creates): a second entry for the same principal fails the
   * deployment.
   *
   * @default true
   */
  readonly accessEntry?: boolean;
}

/**
 * The IAM role of the nodes Karpenter launches, and the `EC2_LINUX` access entry through which
 * those nodes join the cluster (access entries, not the aws-auth ConfigMap).
 *
 * A new role is trusted by `ec2.amazonaws.com` and holds `AmazonEKSWorkerNodePolicy`,
 * `AmazonEC2ContainerRegistryPullOnly` and `AmazonSSMManagedInstanceCore`. It deliberately holds
 * neither `AmazonEKS_CNI_Policy` (Karpenter's template attaches it; the VPC CNI should get its own
 * role through Pod Identity instead) nor `AmazonEC2ContainerRegistryReadOnly` (PullOnly pulls
 * images without letting anything that holds node credentials list repositories).
 *
 * The role has no physical name (CloudFormation generates one); Karpenter creates the instance
 * profiles itself from the role named in each `EC2NodeClass`.
 */
export class KarpenterNodeRole extends Construct {
  /** The node role. */
  public readonly role: iam.IRole;
  /** The `EC2_LINUX` access entry of the role, if one was created. */
  public readonly accessEntry?: eks.IAccessEntry;

  constructor(scope: Construct, id: string, props: KarpenterNodeRoleProps) {
    super(scope, id);
    this.role = props.role ?? new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Nodes launched by Karpenter (no AmazonEKS_CNI_Policy: the VPC CNI has its own role)',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKSWorkerNodePolicy'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEC2ContainerRegistryPullOnly'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
      ],
    });
    if (!props.role) {
      acknowledgeNodeRolePolicies(this);
    }
    if (props.accessEntry ?? true) {
      this.accessEntry = new eks.AccessEntry(this, 'AccessEntry', {
        cluster: props.cluster,
        principal: this.role.roleArn,
        accessEntryType: eks.AccessEntryType.EC2_LINUX,
        // EC2_LINUX entries carry no access policies: EKS maps the nodes to system:nodes.
        accessPolicies: [],
      });
    }
  }
}
