import { CfnJson, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { WorkloadIdentityOptions } from './options';
import { claimServiceAccount, ROLE_ARN_ANNOTATION, serviceAccountObjects, validateServiceAccountOptions } from './service-account';
import { HardenedEksError } from '../private/errors';

/**
 * Options of an `IrsaRole` (`HardenedCluster.addIrsaRole()`).
 */
export interface IrsaRoleOptions extends WorkloadIdentityOptions {}

/**
 * Properties of an `IrsaRole`.
 */
export interface IrsaRoleProps extends IrsaRoleOptions {
  /**
   * The cluster whose pods get the role: any aws-eks-v2 cluster, defined in the app (its OIDC
   * provider is created on first use) or imported with `openIdConnectProvider` (needed unless
   * `role` is given; `kubectlProvider` too when `createServiceAccount` or `createNamespace` is true).
   */
  readonly cluster: eks.ICluster;
}

/**
 * An AWS identity for the pods of one Kubernetes service account, through IAM roles for service
 * accounts (IRSA):
 *
 * - an IAM role trusted for `sts:AssumeRoleWithWebIdentity` by the cluster's OIDC provider, with
 *   `StringEquals` on both `<issuer>:sub` (exactly `system:serviceaccount:<namespace>:<name>`:
 *   without it any service account of the cluster could assume the role) and `<issuer>:aud`
 *   (`sts.amazonaws.com`), or the role given in `role`, whose trust is left as it is;
 * - optionally the namespace, and (by default) the `ServiceAccount` object annotated with
 *   `eks.amazonaws.com/role-arn` (when it is created elsewhere, annotate it with `role.roleArn`).
 *
 * It is an `iam.IGrantable` whose principal is the role: `bucket.grantRead(identity)`.
 *
 * Prefer `PodIdentity` on EKS: it needs no OIDC provider and no annotation. As with Pod Identity,
 * pods get these credentials instead of the node role only because IMDS is out of their reach
 * (hop limit 1, as on a `HardenedCluster`).
 */
export class IrsaRole extends Construct implements iam.IGrantable {
  /** The cluster whose OIDC provider the role trusts. */
  public readonly cluster: eks.ICluster;
  /** The namespace of the service account. */
  public readonly serviceAccountNamespace: string;
  /** The name of the service account. */
  public readonly serviceAccountName: string;
  /** The role the service account's pods assume (created, or the one given in `role`). */
  public readonly role: iam.IRole;
  /** The role: grants to this identity go to it. */
  public readonly grantPrincipal: iam.IPrincipal;
  /** The `ServiceAccount` object, when `createServiceAccount` is true. */
  public readonly serviceAccountManifest?: eks.KubernetesManifest;

  constructor(scope: Construct, id: string, props: IrsaRoleProps) {
    super(scope, id);
    validateServiceAccountOptions(this, 'IrsaRole', props);
    const provider = props.role ? undefined : oidcProviderOf(this, props.cluster);
    claimServiceAccount(this, 'IrsaRole', props.cluster, props.serviceAccountNamespace, props.serviceAccount);
    this.cluster = props.cluster;
    this.serviceAccountNamespace = props.serviceAccountNamespace;
    this.serviceAccountName = props.serviceAccount;

    if (props.role) {
      this.role = props.role;
    } else {
      // A cluster defined in the app (or an imported provider ARN that is a token) gives the
      // issuer as a token: condition keys made of tokens need CfnJson, as in aws-eks-v2's
      // ServiceAccount. A literal issuer needs no custom resource.
      const issuer = provider!.openIdConnectProviderIssuer;
      const value = {
        [`${issuer}:sub`]: `system:serviceaccount:${props.serviceAccountNamespace}:${props.serviceAccount}`,
        [`${issuer}:aud`]: 'sts.amazonaws.com',
      };
      const conditions = Token.isUnresolved(issuer) ? new CfnJson(this, 'TrustConditions', { value }) : value;
      this.role = new iam.Role(this, 'Role', {
        assumedBy: new iam.OpenIdConnectPrincipal(provider!).withConditions({ StringEquals: conditions }),
        description: `${props.serviceAccountNamespace}/${props.serviceAccount} through IRSA`,
      });
    }
    this.grantPrincipal = this.role;

    this.serviceAccountManifest = serviceAccountObjects(this, props.cluster, props, { [ROLE_ARN_ANNOTATION]: this.role.roleArn });
  }
}

/** The cluster's OIDC provider; an imported cluster without one is refused with the fix. */
function oidcProviderOf(scope: Construct, cluster: eks.ICluster): iam.IOpenIdConnectProvider {
  try {
    return cluster.openIdConnectProvider;
  } catch {
    throw new HardenedEksError('ClusterWithoutOidcProvider', scope,
      `cluster ${cluster.node.path} was imported without openIdConnectProvider, and the IrsaRole's trust names the ` +
      'cluster\'s OIDC provider. Pass openIdConnectProvider to eks.Cluster.fromClusterAttributes() (e.g. ' +
      'iam.OidcProviderNative.fromOidcProviderArn(this, \'Oidc\', providerArn)), give an existing role in `role`, ' +
      'or use a PodIdentity, which needs no OIDC provider.');
  }
}
