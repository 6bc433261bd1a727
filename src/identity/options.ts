import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * What every workload identity (`PodIdentity`, `IrsaRole`) is for: one Kubernetes service account
 * in one namespace of one cluster, and the role its pods get.
 */
export interface WorkloadIdentityOptions {
  /**
   * Kubernetes namespace of the service account: a DNS-1123 label (at most 63 lowercase letters,
   * digits and `-`, starting and ending with a letter or digit). No wildcards: the role is for
   * exactly this namespace.
   */
  readonly serviceAccountNamespace: string;

  /**
   * Name of the Kubernetes service account: a DNS-1123 subdomain (at most 253 lowercase letters,
   * digits, `-` and `.`). No wildcards: the role is for exactly this service account.
   */
  readonly serviceAccount: string;

  /**
   * An existing role to give the service account instead of a new one.
   *
   * The role is adopted as it is: its trust policy is the caller's and is not modified, so it must
   * already trust what this identity uses (for `PodIdentity`, `pods.eks.amazonaws.com` for
   * `sts:AssumeRole` and `sts:TagSession`; for `IrsaRole`, `sts:AssumeRoleWithWebIdentity` from the
   * cluster's OIDC provider), preferably scoped to this cluster, namespace and service account as
   * the role created by default is. Grants (`bucket.grantRead(identity)`) still add to its policy,
   * unless it was imported with `mutable: false`.
   *
   * @default - a new role whose trust names only this cluster, namespace and service account
   */
  readonly role?: iam.IRole;

  /**
   * Whether to create the Kubernetes `ServiceAccount` object (with `kubectl`, through the cluster's
   * kubectl provider). Set it to false when the service account is created elsewhere, e.g. by a
   * Helm chart.
   *
   * @default true
   */
  readonly createServiceAccount?: boolean;

  /**
   * Whether to create the namespace (a Kubernetes `Namespace` object). Created once per cluster
   * and namespace, however many identities ask for it. Namespaces Kubernetes creates itself
   * (`default`, `kube-system`, `kube-public`, `kube-node-lease`) are refused.
   *
   * @default false (the namespace must exist, or be created elsewhere, before the service account)
   */
  readonly createNamespace?: boolean;

  /**
   * Labels of the created `ServiceAccount` object, when `createServiceAccount` is true.
   *
   * @default - no labels
   */
  readonly serviceAccountLabels?: { [key: string]: string };

  /**
   * Annotations of the created `ServiceAccount` object, when `createServiceAccount` is true. The
   * IRSA annotation `eks.amazonaws.com/role-arn` is refused: an `IrsaRole` writes it itself, and on
   * a `PodIdentity` service account it would make the AWS SDKs try IRSA first.
   *
   * @default - no annotations besides the ones this construct writes
   */
  readonly serviceAccountAnnotations?: { [key: string]: string };

  /**
   * Whether the `ServiceAccount` object may replace one of the same name already in the cluster
   * (`kubectl apply` rather than `kubectl create`), when `createServiceAccount` is true.
   *
   * @default false (creating the service account fails if it already exists)
   */
  readonly overwriteServiceAccount?: boolean;
}
