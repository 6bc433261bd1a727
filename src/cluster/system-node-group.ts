import { Size, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { hardenedNodeLaunchTemplate, hardenedNodeRole } from './hardened-node-launch';
import { HardenedEksError } from '../private/errors';


/**
 * Options of the system managed node group.
 */
export interface SystemNodeGroupOptions {
  /**
   * Instance types. Sized for the Karpenter controller (2 replicas), CoreDNS and the add-ons.
   *
   * @default - m7i.large
   */
  readonly instanceTypes?: ec2.InstanceType[];
  /**
   * AMI type (EKS-optimized).
   *
   * @default eks.NodegroupAmiType.AL2023_X86_64_STANDARD
   */
  readonly amiType?: eks.NodegroupAmiType;
  /**
   * Minimum number of nodes; at least 2 so the system pods spread over two zones.
   *
   * @default 2
   */
  readonly minSize?: number;
  /**
   * Maximum number of nodes.
   *
   * @default 4
   */
  readonly maxSize?: number;
  /**
   * Size of the encrypted gp3 root volume.
   *
   * @default Size.gibibytes(20)
   */
  readonly rootVolumeSize?: Size;
  /**
   * The node role.
   *
   * @default - a role with AmazonEKSWorkerNodePolicy, AmazonEC2ContainerRegistryPullOnly and
   * AmazonSSMManagedInstanceCore (no AmazonEKS_CNI_Policy: the VPC CNI has its own role)
   */
  readonly nodeRole?: iam.IRole;
}

/**
 * Properties of a `SystemNodeGroup`.
 */
export interface SystemNodeGroupProps extends SystemNodeGroupOptions {
  /** The cluster the node group joins. */
  readonly cluster: eks.ICluster;
}

/**
 * A managed node group on an explicit launch template: IMDSv2 required, hop limit 1, endpoint
 * enabled, encrypted gp3 root volume. EKS would otherwise generate a launch template whose hop
 * limit is not under your control (2 for Amazon Linux 2).
 */
export class SystemNodeGroup extends Construct {
  /**
   * The label every system node carries, with the value `system`: add-on controllers are placed
   * on these nodes (`nodeSelector: { [SystemNodeGroup.ROLE_LABEL]: 'system' }`), never on Karpenter capacity.
   */
  public static readonly ROLE_LABEL = 'node.cdk-hardened-eks.io/role';

  /** The launch template every node of the group starts from. */
  public readonly launchTemplate: ec2.LaunchTemplate;
  /** The managed node group. */
  public readonly nodegroup: eks.Nodegroup;
  /** The node role. */
  public readonly nodeRole: iam.IRole;

  constructor(scope: Construct, id: string, props: SystemNodeGroupProps) {
    super(scope, id);
    const minSize = props.minSize ?? 2;
    const maxSize = props.maxSize ?? 4;
    if (!Token.isUnresolved(minSize) && minSize < 2) {
      throw new HardenedEksError('SystemNodeGroupTooSmall', this,
        `systemNodeGroup.minSize is ${minSize}; use at least 2 so the Karpenter controller and CoreDNS replicas spread over two zones.`);
    }
    if (!Token.isUnresolved(minSize) && !Token.isUnresolved(maxSize) && maxSize < minSize) {
      throw new HardenedEksError('SystemNodeGroupSize', this,
        `systemNodeGroup.maxSize (${maxSize}) is below minSize (${minSize}); make maxSize at least ${minSize}.`);
    }

    this.launchTemplate = hardenedNodeLaunchTemplate(this, 'LaunchTemplate', props.rootVolumeSize ?? Size.gibibytes(20), props.amiType);
    this.nodeRole = props.nodeRole ?? hardenedNodeRole(this, 'NodeRole');

    this.nodegroup = new eks.Nodegroup(this, 'Nodegroup', {
      cluster: props.cluster,
      nodeRole: this.nodeRole,
      amiType: props.amiType ?? eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
      instanceTypes: props.instanceTypes ?? [new ec2.InstanceType('m7i.large')],
      minSize,
      desiredSize: minSize,
      maxSize,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplateSpec: {
        id: this.launchTemplate.launchTemplateId!,
        version: this.launchTemplate.latestVersionNumber,
      },
      labels: { [SystemNodeGroup.ROLE_LABEL]: 'system' },
    });
  }
}
