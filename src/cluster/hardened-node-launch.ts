// The pieces every managed node group of a HardenedCluster is built from: a launch template with
// IMDSv2 required, hop limit 1 and an encrypted gp3 root volume, and a node role without
// AmazonEKS_CNI_Policy. Not exported: the public surface is SystemNodeGroup and
// HardenedCluster.addNodegroupCapacity().
import { Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { HardenedEksError } from '../private/errors';
import { acknowledgeNodeRolePolicies } from '../private/nag';

/**
 * A launch template for managed nodes: IMDSv2 required, PUT response hop limit 1 (the token dies at
 * the node; a pod's network namespace is one hop further), endpoint enabled, encrypted gp3 root
 * volume on the device the AMI type boots from.
 */
export function hardenedNodeLaunchTemplate(scope: Construct, id: string, rootVolumeSize: Size, amiType?: eks.NodegroupAmiType): ec2.LaunchTemplate {
  return new ec2.LaunchTemplate(scope, id, {
    httpEndpoint: true,
    httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
    httpPutResponseHopLimit: 1,
    blockDevices: [{
      deviceName: rootDeviceName(amiType),
      volume: ec2.BlockDeviceVolume.ebs(rootVolumeSize.toGibibytes(), {
        encrypted: true,
        volumeType: ec2.EbsDeviceVolumeType.GP3,
        deleteOnTermination: true,
      }),
    }],
  });
}

/** A node role: worker, ECR pull-only and SSM policies; no AmazonEKS_CNI_Policy (the VPC CNI has its own role). */
export function hardenedNodeRole(scope: Construct, id: string): iam.Role {
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    managedPolicies: [
      iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKSWorkerNodePolicy'),
      iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEC2ContainerRegistryPullOnly'),
      iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
    ],
  });
  acknowledgeNodeRolePolicies(role);
  return role;
}

/** The device of the volume that holds the node's data: Bottlerocket's data volume, Windows' C:, else the root. */
function rootDeviceName(amiType?: eks.NodegroupAmiType): string {
  const name = String(amiType ?? '');
  if (name.startsWith('BOTTLEROCKET')) {
    return '/dev/xvdb';
  }
  if (name.startsWith('WINDOWS')) {
    return '/dev/sda1';
  }
  return '/dev/xvda';
}

/**
 * `Cluster.addNodegroupCapacity()` on a HardenedCluster: the same managed node group, on a
 * hardened launch template of its own. Options that would take the launch template away from us,
 * or that EKS refuses next to one, are refused with what to do instead.
 */
export function hardenedNodegroupCapacity(cluster: eks.Cluster, id: string, options: eks.NodegroupOptions): eks.Nodegroup {
  const where = `addNodegroupCapacity('${id}')`;
  if (options.launchTemplateSpec) {
    throw new HardenedEksError('NodegroupLaunchTemplateGiven', cluster,
      `${where}: launchTemplateSpec is given. On a HardenedCluster this method builds the launch template itself (IMDSv2 required, ` +
      'hop limit 1, encrypted root volume). Remove launchTemplateSpec (set the root volume size with diskSize), or create ' +
      'new eks.Nodegroup(...) yourself and let the IMDS checker judge your launch template.');
  }
  if (options.remoteAccess) {
    throw new HardenedEksError('NodegroupRemoteAccess', cluster,
      `${where}: remoteAccess (SSH) cannot be combined with a launch template, and every node group of a HardenedCluster has one. ` +
      'Remove remoteAccess: the nodes have AmazonSSMManagedInstanceCore, so use Session Manager.');
  }
  const scope = new Construct(cluster, id);
  const launchTemplate = hardenedNodeLaunchTemplate(scope, 'LaunchTemplate', Size.gibibytes(options.diskSize ?? 20), options.amiType);
  return new eks.Nodegroup(scope, 'Nodegroup', {
    ...options,
    // EKS refuses diskSize next to a launch template: the size went into the template's root volume.
    diskSize: undefined,
    cluster,
    nodeRole: options.nodeRole ?? hardenedNodeRole(scope, 'NodeRole'),
    launchTemplateSpec: { id: launchTemplate.launchTemplateId!, version: launchTemplate.latestVersionNumber },
  });
}
