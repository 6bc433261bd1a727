import * as eksl1 from 'aws-cdk-lib/aws-eks';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ManagedAddonOptions } from './managed-addon-options';
import { ManagedAddonWithPodIdentity } from './managed-addons';

/**
 * Options of an `EfsCsiDriver` (`HardenedCluster.addEfsCsiDriver()`).
 */
export interface EfsCsiDriverOptions extends ManagedAddonOptions {}

/**
 * Properties of an `EfsCsiDriver`.
 */
export interface EfsCsiDriverProps extends EfsCsiDriverOptions {
  /** The cluster: any aws-eks-v2 cluster, defined in the app or imported. */
  readonly cluster: eks.ICluster;
}

/**
 * The Amazon EFS CSI driver as the EKS managed add-on `aws-efs-csi-driver`, at hop limit 1:
 *
 * - the add-on's `PodIdentityAssociations` give `kube-system/efs-csi-controller-sa` a role trusted
 *   only for this cluster, namespace, service account and account (the association belongs to the
 *   add-on; the service account is claimed, so no second identity can be made for it);
 * - the role holds the AWS managed `AmazonEFSCSIDriverPolicy` (the driver's
 *   `docs/iam-policy-example.json` is the same document; access points it creates are tagged and
 *   its deletes are conditioned on that tag);
 * - the controller asks IMDS for its region and falls back to the Kubernetes node labels
 *   (`pkg/cloud/metadata.go`) when IMDS is out of reach; the node DaemonSet runs on the host
 *   network (zero hops from IMDS, as the driver needs the node's identity).
 *
 * Versions with Pod Identity support start at v2.0.5-eksbuild.1; older ones are refused.
 */
export class EfsCsiDriver extends Construct {
  /** The add-on. */
  public readonly addon: eksl1.CfnAddon;
  /** The controller's role. */
  public readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: EfsCsiDriverProps) {
    super(scope, id);
    const made = new ManagedAddonWithPodIdentity(this, 'Default', props.cluster, props, {
      kind: 'EfsCsiDriver',
      addonName: 'aws-efs-csi-driver',
      namespace: 'kube-system',
      serviceAccount: 'efs-csi-controller-sa',
      managedPolicy: 'service-role/AmazonEFSCSIDriverPolicy',
      policyReason: 'AmazonEFSCSIDriverPolicy is the EFS CSI driver\'s official policy (the same document as its ' +
        'docs/iam-policy-example.json); access point deletes are conditioned on the tag the driver sets.',
      podIdentitySince: [2, 0, 5, 1],
    });
    this.addon = made.addon;
    this.role = made.role;
  }
}
