// Not exported from the package: what PodIdentity and IrsaRole share about the service account
// they are for (name checks, one identity per service account, the Kubernetes objects).
import { CfnResource, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct, IConstruct } from 'constructs';
import { WorkloadIdentityOptions } from './options';
import { HardenedEksError } from '../private/errors';
import { isDnsLabel, isDnsSubdomain } from '../private/kubernetes-names';

/** The IRSA annotation: the role an SDK assumes with the projected web identity token. */
export const ROLE_ARN_ANNOTATION = 'eks.amazonaws.com/role-arn';

/** Namespaces every cluster has from the start: creating them fails. */
const BUILT_IN_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
/** Marks our identity constructs, so a second identity for the same service account is found. */
const CLAIM = Symbol.for('cdk-hardened-eks.identity.ServiceAccountClaim');

/** One service account of one cluster, as an identity claims it. */
interface Claim {
  readonly kind: string;
  readonly clusterName: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

/**
 * Refuses a namespace or service account name that cannot name exactly one Kubernetes object
 * (wildcards first, the likeliest mistake, with their own advice; then the DNS-1123 rules; tokens
 * are left to deployment), creating a namespace every cluster already has, and an IRSA annotation
 * among the service account's annotations.
 */
export function validateServiceAccountOptions(scope: IConstruct, kind: 'PodIdentity' | 'IrsaRole', options: WorkloadIdentityOptions): void {
  const { serviceAccountNamespace: namespace, serviceAccount } = options;
  for (const [prop, value] of [['serviceAccountNamespace', namespace], ['serviceAccount', serviceAccount]]) {
    if (!Token.isUnresolved(value) && /[*?]/.test(value)) {
      throw new HardenedEksError('WildcardInServiceAccountTarget', scope,
        `${prop} "${value}" contains a wildcard ('*' or '?'). A ${kind} is for exactly one namespace and service account: ` +
        'its trust conditions are StringEquals, and a wildcard would be matched literally. Name the service account ' +
        `exactly, and add one ${kind} per service account.`);
    }
  }
  if (!Token.isUnresolved(namespace) && !isDnsLabel(namespace)) {
    throw new HardenedEksError('InvalidNamespace', scope,
      `serviceAccountNamespace "${namespace}" is not a Kubernetes namespace name (a DNS-1123 label): at most 63 lowercase letters, ` +
      'digits and \'-\', starting and ending with a letter or digit. Use e.g. "orders" or "team-a".');
  }
  if (!Token.isUnresolved(serviceAccount) && !isDnsSubdomain(serviceAccount)) {
    throw new HardenedEksError('InvalidServiceAccountName', scope,
      `serviceAccount "${serviceAccount}" is not a Kubernetes service account name (a DNS-1123 subdomain): at most 253 ` +
      'lowercase letters, digits, \'-\' and \'.\', each dot-separated part starting and ending with a letter or digit. ' +
      'Use e.g. "orders-api".');
  }
  if (options.createNamespace && !Token.isUnresolved(namespace) && BUILT_IN_NAMESPACES.includes(namespace)) {
    throw new HardenedEksError('NamespaceAlwaysExists', scope,
      `createNamespace is true but serviceAccountNamespace "${namespace}" exists on every cluster, so creating it would fail. ` +
      'Remove createNamespace (or set it to false).');
  }
  if (options.serviceAccountAnnotations && ROLE_ARN_ANNOTATION in options.serviceAccountAnnotations) {
    throw new HardenedEksError('RoleArnAnnotation', scope,
      `serviceAccountAnnotations sets "${ROLE_ARN_ANNOTATION}". ` + (kind === 'IrsaRole'
        ? 'This IrsaRole writes it itself (the role it creates or adopts); remove it from serviceAccountAnnotations.'
        : 'The service account gets its role through Pod Identity; an IRSA annotation would make the AWS SDKs try IRSA ' +
          'first. Remove it, or use an IrsaRole instead.'));
  }
}

/**
 * Records that `identity` gives a role to `namespace/serviceAccount` on `cluster`, and refuses a
 * second claim anywhere in the app: another `PodIdentity` or `IrsaRole`, or any Pod Identity
 * association (`AWS::EKS::PodIdentityAssociation`, e.g. Karpenter's) for the same cluster (same
 * `clusterName`), namespace and service account. EKS allows one association per service account,
 * and with both IRSA and Pod Identity the SDKs silently pick IRSA. Tokens are not compared.
 */
export function claimServiceAccount(identity: IConstruct, kind: string, cluster: eks.ICluster, namespace: string, serviceAccount: string): void {
  const claim: Claim = { kind, clusterName: cluster.clusterName, namespace, serviceAccount };
  if (![namespace, serviceAccount].some((v) => Token.isUnresolved(v))) {
    const all = identity.node.root.node.findAll();
    const same = (c: { clusterName?: unknown; namespace?: unknown; serviceAccount?: unknown }) =>
      c.clusterName === claim.clusterName && c.namespace === namespace && c.serviceAccount === serviceAccount;
    const other = all.find((c) => c !== identity && claimOf(c) && same(claimOf(c)!))
      ?? all.find((c) => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::EKS::PodIdentityAssociation' &&
        same(c as unknown as Claim));
    if (other) {
      const what = claimOf(other)?.kind ?? 'Pod Identity association';
      throw new HardenedEksError('DuplicateWorkloadIdentity', identity,
        `${namespace}/${serviceAccount} on cluster ${cluster.node.path} already has an identity: the ${what} at ${other.node.path}. ` +
        'A service account gets one role (EKS refuses a second Pod Identity association, and with both IRSA and Pod Identity ' +
        'the SDKs silently use IRSA). Remove one of them, or give this workload its own service account.');
    }
  }
  Object.defineProperty(identity, CLAIM, { value: claim, enumerable: false });
}

function claimOf(c: IConstruct): Claim | undefined {
  return (c as unknown as { [CLAIM]?: Claim })[CLAIM];
}

/**
 * The Kubernetes objects of an identity's service account, as the options ask: the namespace
 * (one per cluster and namespace, kept under the cluster) and the `ServiceAccount` with the
 * annotations given. Returns the `ServiceAccount` manifest, if created.
 */
export function serviceAccountObjects(
  identity: Construct,
  cluster: eks.ICluster,
  options: WorkloadIdentityOptions,
  annotations: { [key: string]: string },
): eks.KubernetesManifest | undefined {
  const namespace = (options.createNamespace ?? false) ? namespaceObject(identity, cluster, options.serviceAccountNamespace) : undefined;
  if (!(options.createServiceAccount ?? true)) {
    return undefined;
  }
  const labels = { ...options.serviceAccountLabels };
  const metadataAnnotations = { ...options.serviceAccountAnnotations, ...annotations };
  const manifest = new eks.KubernetesManifest(identity, 'ServiceAccount', {
    cluster,
    overwrite: options.overwriteServiceAccount ?? false,
    manifest: [{
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: options.serviceAccount,
        namespace: options.serviceAccountNamespace,
        ...(Object.keys(labels).length > 0 ? { labels } : {}),
        ...(Object.keys(metadataAnnotations).length > 0 ? { annotations: metadataAnnotations } : {}),
      },
    }],
  });
  if (namespace) {
    manifest.node.addDependency(namespace);
  }
  return manifest;
}

/** The `Namespace` object: one per cluster and namespace, under the cluster (or the identity, for a token). */
function namespaceObject(identity: Construct, cluster: eks.ICluster, namespace: string): eks.KubernetesManifest {
  const make = (scope: Construct, id: string) => new eks.KubernetesManifest(scope, id, {
    cluster,
    manifest: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }],
  });
  if (Token.isUnresolved(namespace)) {
    return make(identity, 'Namespace');
  }
  const clusterScope = cluster as unknown as Construct;
  const group = (clusterScope.node.tryFindChild('WorkloadNamespaces') as Construct | undefined)
    ?? new Construct(clusterScope, 'WorkloadNamespaces');
  return (group.node.tryFindChild(namespace) as eks.KubernetesManifest | undefined) ?? make(group, namespace);
}
