// L1s come from aws-eks: aws-eks-v2 does not re-export them in every aws-cdk-lib release we support.
import * as eksl1 from 'aws-cdk-lib/aws-eks';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { podIdentityAgentOf } from './agent';
import { WorkloadIdentityOptions } from './options';
import { claimServiceAccount, serviceAccountObjects, validateServiceAccountOptions } from './service-account';
import { podIdentityPrincipal } from './trust';

/**
 * Options of a `PodIdentity` (`HardenedCluster.addPodIdentity()`).
 */
export interface PodIdentityOptions extends WorkloadIdentityOptions {
  /**
   * Whether to make sure the `eks-pod-identity-agent` add-on exists, without which the
   * association hands out no credentials. The add-on is looked for in this order: an
   * `AWS::EKS::Addon` of that name for this cluster already defined in the app; the cluster's own
   * `eksPodIdentityAgent` (a cluster defined in this app creates it on first use); else a new
   * `eks.Addon`. An imported cluster has no `eksPodIdentityAgent`, so a new add-on is created for
   * it unless one is defined in the app: when the add-on was installed outside this app, set this
   * to false (creating it twice fails the deployment).
   *
   * @default true
   */
  readonly podIdentityAgent?: boolean;
}

/**
 * Properties of a `PodIdentity`.
 */
export interface PodIdentityProps extends PodIdentityOptions {
  /**
   * The cluster whose pods get the role: any aws-eks-v2 cluster, defined in the app or imported
   * (an imported cluster needs a `kubectlProvider` when `createServiceAccount` or
   * `createNamespace` is true).
   */
  readonly cluster: eks.ICluster;
}

/**
 * An AWS identity for the pods of one Kubernetes service account, through EKS Pod Identity:
 *
 * - an IAM role trusted by `pods.eks.amazonaws.com` for `sts:AssumeRole` and `sts:TagSession`,
 *   only when the session tags EKS sets name this cluster (`aws:RequestTag/eks-cluster-arn`),
 *   namespace (`kubernetes-namespace`) and service account (`kubernetes-service-account`), and
 *   only from this account (`aws:SourceAccount`), so no other association, cluster or account can
 *   reuse it (or the role given in `role`, whose trust is left as it is);
 * - the `AWS::EKS::PodIdentityAssociation`, with session tags on (the trust needs them);
 * - the `eks-pod-identity-agent` add-on, when the cluster does not have it yet;
 * - optionally the namespace, and (by default) the `ServiceAccount` object, without the IRSA
 *   `eks.amazonaws.com/role-arn` annotation.
 *
 * It is an `iam.IGrantable` whose principal is the role: `bucket.grantReadWrite(identity)`.
 *
 * Pods get these credentials from the agent instead of the node role only because IMDS is out of
 * their reach (hop limit 1, as on a `HardenedCluster`): Pod Identity alone does not take the node
 * role away from them.
 */
export class PodIdentity extends Construct implements iam.IGrantable {
  /** The cluster the association is on. */
  public readonly cluster: eks.ICluster;
  /** The namespace of the service account. */
  public readonly serviceAccountNamespace: string;
  /** The name of the service account. */
  public readonly serviceAccountName: string;
  /** The role the service account's pods get (created, or the one given in `role`). */
  public readonly role: iam.IRole;
  /** The role: grants to this identity go to it. */
  public readonly grantPrincipal: iam.IPrincipal;
  /** The Pod Identity association of the service account with the role. */
  public readonly podIdentityAssociation: eksl1.CfnPodIdentityAssociation;
  /** The `ServiceAccount` object, when `createServiceAccount` is true. */
  public readonly serviceAccountManifest?: eks.KubernetesManifest;

  constructor(scope: Construct, id: string, props: PodIdentityProps) {
    super(scope, id);
    validateServiceAccountOptions(this, 'PodIdentity', props);
    claimServiceAccount(this, 'PodIdentity', props.cluster, props.serviceAccountNamespace, props.serviceAccount);
    this.cluster = props.cluster;
    this.serviceAccountNamespace = props.serviceAccountNamespace;
    this.serviceAccountName = props.serviceAccount;

    this.role = props.role ?? new iam.Role(this, 'Role', {
      assumedBy: podIdentityPrincipal(this, {
        clusterArn: props.cluster.clusterArn,
        namespace: props.serviceAccountNamespace,
        serviceAccount: props.serviceAccount,
      }),
      description: `${props.serviceAccountNamespace}/${props.serviceAccount} through EKS Pod Identity`,
    });
    this.grantPrincipal = this.role;

    this.podIdentityAssociation = new eksl1.CfnPodIdentityAssociation(this, 'Association', {
      clusterName: props.cluster.clusterName,
      namespace: props.serviceAccountNamespace,
      serviceAccount: props.serviceAccount,
      roleArn: this.role.roleArn,
      // The role's trust is conditioned on the session tags: they must stay on.
      disableSessionTags: false,
    });
    if (props.podIdentityAgent ?? true) {
      this.podIdentityAssociation.node.addDependency(podIdentityAgentOf(this, props.cluster));
    }

    this.serviceAccountManifest = serviceAccountObjects(this, props.cluster, props, {});
  }
}
