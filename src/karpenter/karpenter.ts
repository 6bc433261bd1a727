import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
// L1s come from aws-eks: aws-eks-v2 does not re-export them in every aws-cdk-lib release we support.
import * as eksl1 from 'aws-cdk-lib/aws-eks';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, IConstruct, IDependable } from 'constructs';
import { KarpenterControllerPolicy } from './controller-policy';
import { HardenedEc2NodeClass, HardenedEc2NodeClassOptions } from './ec2-node-class';
import { KarpenterInterruptionQueue } from './interruption-queue';
import { NodePool, NodePoolOptions } from './node-pool';
import { KarpenterNodeRole } from './node-role';
import { podIdentityAgentOf } from '../identity/agent';
import { claimServiceAccount } from '../identity/service-account';
import { podIdentityPrincipal } from '../identity/trust';
import { HardenedEksError } from '../private/errors';
import { VENDORED_KARPENTER_VERSION, vendoredKarpenterCrds } from '../private/karpenter-crds';
import { isDnsLabel } from '../private/kubernetes-names';
import { acknowledgeAwsSolutions } from '../private/nag';

export * from './controller-policy';
export * from './interruption-queue';
export * from './node-role';

/** The service account the chart creates for the controller. */
const SERVICE_ACCOUNT = 'karpenter';
const CHART_REPOSITORY = 'oci://public.ecr.aws/karpenter/karpenter';
const CRD_CHART_REPOSITORY = 'oci://public.ecr.aws/karpenter/karpenter-crd';
const CHART_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/**
 * How the Karpenter CustomResourceDefinitions (`NodePool`, `NodeClaim`, `EC2NodeClass`) are
 * installed and upgraded.
 *
 * Helm installs the CRDs in a chart's `crds/` folder once and never upgrades them, so a chart
 * upgrade alone would leave old CRDs behind; each choice here upgrades them with the controller,
 * except `NONE`.
 */
export enum KarpenterCrds {
  /**
   * The CRDs vendored in this library (Karpenter 1.14.1, the version the typed `EC2NodeClass` and
   * `NodePool` are generated from), applied with kubectl as three manifests before the chart.
   * Upgrading the library upgrades them. They are retained when removed from the app or the
   * stack is deleted (as Helm never deletes CRDs): deleting a CRD deletes every object of its kind.
   * Only for the vendored version.
   */
  VENDORED = 'VENDORED',
  /**
   * The `karpenter-crd` chart (`oci://public.ecr.aws/karpenter/karpenter-crd`) of the same
   * version as the controller chart, installed before it. For a `version` other than the vendored one.
   */
  CRD_CHART = 'CRD_CHART',
  /**
   * No CRDs are installed: they are managed outside this construct. The chart still skips its own.
   */
  NONE = 'NONE',
}

/**
 * Options of Karpenter on a cluster (`Karpenter` construct). Every option has a default.
 */
export interface KarpenterOptions {
  /**
   * Version of the Karpenter Helm chart (and controller), without a leading `v`. A version other
   * than the vendored CRDs' (1.14.1) needs `crds: KarpenterCrds.CRD_CHART` (or `NONE`).
   *
   * @default '1.14.1' (the version of the CRDs vendored in this library)
   */
  readonly version?: string;
  /**
   * Kubernetes namespace of the Helm release, and so of the controller's service account
   * (`karpenter`) and its Pod Identity association. Karpenter's documentation installs into
   * `kube-system`: the controller runs with `system-cluster-critical` priority next to the other
   * cluster-critical components, and the namespace exists on every cluster.
   *
   * @default 'kube-system'
   */
  readonly controllerNamespace?: string;
  /**
   * The role of the nodes Karpenter launches (named by every `EC2NodeClass` of this Karpenter).
   * The controller may pass this role, and no other, to EC2.
   *
   * @default - a new role with `AmazonEKSWorkerNodePolicy`, `AmazonEC2ContainerRegistryPullOnly`
   * and `AmazonSSMManagedInstanceCore` (no `AmazonEKS_CNI_Policy`, no ECR `ReadOnly`)
   */
  readonly nodeRole?: iam.IRole;
  /**
   * Whether to create the `EC2_LINUX` access entry through which the nodes join the cluster.
   * Set it to false for a `nodeRole` that already has an access entry (a second one for the same
   * role fails the deployment).
   *
   * @default true
   */
  readonly nodeAccessEntry?: boolean;
  /**
   * Whether to create the interruption queue (SQS, with its five EventBridge rules) and tell the
   * controller to handle Spot interruptions, rebalance recommendations, scheduled maintenance,
   * instance state changes and capacity reservation interruptions ahead of time.
   *
   * @default true
   */
  readonly interruptionQueue?: boolean;
  /**
   * Whether the controller may read the ARC zonal shift status of this cluster
   * (`arc-zonal-shift:GetManagedResource`, this cluster only), so it avoids a zone the cluster
   * was shifted away from.
   *
   * @default true
   */
  readonly zonalShift?: boolean;
  /**
   * How the Karpenter CRDs are installed and upgraded.
   *
   * @default KarpenterCrds.VENDORED when `version` is the vendored version (1.14.1); any other
   * version needs an explicit choice
   */
  readonly crds?: KarpenterCrds;
  /**
   * Whether to make sure the `eks-pod-identity-agent` add-on exists, without which the controller
   * gets no credentials. The add-on is looked for in this order: an `AWS::EKS::Addon` of that name
   * for this cluster already defined in the app; the cluster's own `eksPodIdentityAgent` (a cluster
   * defined in this app creates it on first use); else a new `eks.Addon`. An imported cluster has
   * no `eksPodIdentityAgent`, so a new add-on is created for it unless one is defined in the app:
   * when the add-on was installed outside this app, set this to false (creating it twice fails
   * the deployment).
   *
   * @default true
   */
  readonly podIdentityAgent?: boolean;
  /**
   * Helm values merged over the ones this construct sets (objects merged key by key, arrays
   * replaced, except `controller.env`, merged by variable name so `AWS_REGION` stays). The
   * construct sets `settings.clusterName`, `settings.clusterEndpoint`,
   * `settings.interruptionQueue` (the queue name), `serviceAccount.name` (`karpenter`, which
   * cannot be changed: the Pod Identity association names it) and `controller.env` `AWS_REGION`
   * (the stack's region, so the controller never asks IMDS, which hop limit 1 keeps from pods).
   * An IRSA `eks.amazonaws.com/role-arn` annotation is refused: the controller uses Pod Identity.
   *
   * @default - no extra values
   */
  readonly helmValues?: { [key: string]: any };
}

/**
 * Properties of a `Karpenter`.
 */
export interface KarpenterProps extends KarpenterOptions {
  /**
   * The cluster to install Karpenter on: any aws-eks-v2 cluster with a kubectl provider, defined
   * in the app or imported (an imported cluster needs `clusterEndpoint` and `kubectlProvider`).
   */
  readonly cluster: eks.ICluster;
}

/**
 * Karpenter v1 on an aws-eks-v2 cluster, hardened for nodes with IMDS hop limit 1:
 *
 * - the controller's identity comes from EKS Pod Identity: a role trusted by
 *   `pods.eks.amazonaws.com` only for this cluster, namespace and service account (session-tag
 *   and source-account conditions), an `AWS::EKS::PodIdentityAssociation`, the
 *   `eks-pod-identity-agent` add-on, and no IRSA annotation;
 * - the least-privilege controller policy of Karpenter's getting-started template
 *   (`KarpenterControllerPolicy`);
 * - the node role with its `EC2_LINUX` access entry (`KarpenterNodeRole`);
 * - the interruption queue and its EventBridge rules (`KarpenterInterruptionQueue`);
 * - the CRDs (see `KarpenterCrds`), then the chart `oci://public.ecr.aws/karpenter/karpenter` with
 *   `AWS_REGION` and `settings.clusterEndpoint` set, so the controller never needs IMDS (at hop
 *   limit 1 it would panic: "unable to determine region from IMDS").
 */
export class Karpenter extends Construct {
  /** The Karpenter version whose CRDs this library vendors, and the default `version`. */
  public static readonly VENDORED_VERSION = VENDORED_KARPENTER_VERSION;

  /** The cluster Karpenter runs on. */
  public readonly cluster: eks.ICluster;
  /** The chart version. */
  public readonly version: string;
  /** The namespace of the release and of the controller's service account. */
  public readonly controllerNamespace: string;
  /** The controller's service account (`karpenter`). */
  public readonly serviceAccountName: string;
  /** The controller's role, assumed through Pod Identity. */
  public readonly controllerRole: iam.IRole;
  /** The role of the nodes Karpenter launches. */
  public readonly nodeRole: iam.IRole;
  /** The interruption queue, when enabled. */
  public readonly interruptionQueue?: sqs.IQueue;
  /** The Pod Identity association of the controller's service account. */
  public readonly podIdentityAssociation: eksl1.CfnPodIdentityAssociation;
  /** The Karpenter Helm release. */
  public readonly chart: eks.HelmChart;

  constructor(scope: Construct, id: string, props: KarpenterProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const cluster = props.cluster;
    this.cluster = cluster;
    this.version = validateVersion(this, props.version ?? VENDORED_KARPENTER_VERSION);
    this.controllerNamespace = validateNamespace(this, props.controllerNamespace ?? 'kube-system');
    this.serviceAccountName = SERVICE_ACCOUNT;
    const crds = chooseCrds(this, props.crds, this.version);
    const clusterEndpoint = endpointOf(this, cluster);

    // Nodes.
    const nodeRole = new KarpenterNodeRole(this, 'NodeRole', {
      cluster,
      role: props.nodeRole,
      accessEntry: props.nodeAccessEntry,
    });
    this.nodeRole = nodeRole.role;

    // Interruption handling.
    const interruption = (props.interruptionQueue ?? true) ? new KarpenterInterruptionQueue(this, 'Interruption') : undefined;
    if (interruption) {
      acknowledgeAwsSolutions(interruption.queue, 'AwsSolutions-SQS3',
        'Karpenter deletes each interruption message it handles; the events are only useful within their 300 s retention, ' +
        'so a dead-letter queue would only collect stale notices.');
    }
    this.interruptionQueue = interruption?.queue;

    // Controller identity: Pod Identity only.
    this.controllerRole = new iam.Role(this, 'ControllerRole', {
      assumedBy: podIdentityPrincipal(this, { clusterArn: cluster.clusterArn, namespace: this.controllerNamespace, serviceAccount: SERVICE_ACCOUNT }),
      description: `Karpenter controller (${this.controllerNamespace}/${SERVICE_ACCOUNT}) through EKS Pod Identity`,
    });
    const policy = new KarpenterControllerPolicy(this, 'ControllerPolicy', {
      cluster,
      role: this.controllerRole,
      nodeRole: this.nodeRole,
      interruptionQueue: this.interruptionQueue,
      zonalShift: props.zonalShift,
    });
    // One role per service account: refuse a PodIdentity or IrsaRole for it, made before or after.
    claimServiceAccount(this, 'Karpenter controller', cluster, this.controllerNamespace, this.serviceAccountName);
    this.podIdentityAssociation = new eksl1.CfnPodIdentityAssociation(this, 'PodIdentityAssociation', {
      clusterName: cluster.clusterName,
      namespace: this.controllerNamespace,
      serviceAccount: SERVICE_ACCOUNT,
      roleArn: this.controllerRole.roleArn,
      // The role's trust is conditioned on the session tags: they must stay on.
      disableSessionTags: false,
    });
    const agent = (props.podIdentityAgent ?? true) ? podIdentityAgentOf(this, cluster) : undefined;

    // CRDs, then the chart.
    const crdInstall = this.installCrds(crds);
    const values = mergeValues(this, {
      settings: {
        clusterName: cluster.clusterName,
        clusterEndpoint,
        ...(this.interruptionQueue ? { interruptionQueue: this.interruptionQueue.queueName } : {}),
      },
      serviceAccount: { name: SERVICE_ACCOUNT },
      controller: { env: [{ name: 'AWS_REGION', value: stack.region }] },
    }, props.helmValues ?? {});
    this.chart = new eks.HelmChart(this, 'Chart', {
      cluster,
      repository: CHART_REPOSITORY,
      chart: 'karpenter',
      version: this.version,
      release: 'karpenter',
      namespace: this.controllerNamespace,
      createNamespace: this.controllerNamespace !== 'kube-system',
      // The CRDs are installed (and upgraded) separately, before the chart.
      skipCrds: true,
      values,
    });
    // Everything the controller needs exists before it starts, and outlives it on deletion
    // (so it can still terminate its nodes while NodePools are being deleted).
    this.chart.node.addDependency(policy, this.podIdentityAssociation, nodeRole);
    if (crdInstall) {
      this.chart.node.addDependency(crdInstall);
    }
    if (interruption) {
      this.chart.node.addDependency(interruption);
    }
    if (agent) {
      this.chart.node.addDependency(agent);
    }
  }

  /**
   * Adds a `HardenedEc2NodeClass` whose nodes use this Karpenter's node role, applied once the
   * chart (and so the CRDs) is installed. When the root volume uses a customer managed key, the
   * controller role is granted what launching encrypted volumes needs on it (`kms:CreateGrant`,
   * `kms:GenerateDataKeyWithoutPlaintext`, `kms:Decrypt`, `kms:ReEncrypt*`, `kms:DescribeKey`);
   * an imported key's key policy must allow this too.
   *
   * @param id construct id of the node class (also its default name)
   * @param options the node class
   */
  public addEc2NodeClass(id: string, options: HardenedEc2NodeClassOptions = {}): HardenedEc2NodeClass {
    const nodeClass = new HardenedEc2NodeClass(this.group('NodeClasses'), id, { ...options, cluster: this.cluster, nodeRole: this.nodeRole });
    // The manifest lives where the node class puts it (the cluster's scope): order it, not the wrapper.
    nodeClass.manifest.node.addDependency(this.chart);
    options.rootVolume?.kmsKey?.grant(this.controllerRole,
      'kms:CreateGrant', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:DescribeKey');
    return nodeClass;
  }

  /**
   * Adds a `NodePool` on this Karpenter's cluster, applied once the chart (and so the CRDs) is
   * installed, and after its node class when that is a `HardenedEc2NodeClass`.
   *
   * @param id construct id of the pool (also its default name)
   * @param options the pool
   */
  public addNodePool(id: string, options: NodePoolOptions): NodePool {
    const nodePool = new NodePool(this.group('NodePools'), id, { ...options, cluster: this.cluster });
    nodePool.manifest.node.addDependency(this.chart);
    return nodePool;
  }

  /** A scope per kind, so a node class and a node pool can share an id (e.g. `default`). */
  private group(id: string): Construct {
    return (this.node.tryFindChild(id) as Construct | undefined) ?? new Construct(this, id);
  }

  private installCrds(crds: KarpenterCrds): IDependable | undefined {
    switch (crds) {
      case KarpenterCrds.VENDORED: {
        const group = new Construct(this, 'Crds');
        for (const crd of vendoredKarpenterCrds()) {
          new eks.KubernetesManifest(group, crd.name, {
            cluster: this.cluster,
            manifest: [crd.manifest],
            // `kubectl apply` on create too, so CRDs already on the cluster are adopted.
            overwrite: true,
            // Deleting a CRD deletes every NodePool, NodeClaim or EC2NodeClass with it.
            removalPolicy: RemovalPolicy.RETAIN,
          });
        }
        return group;
      }
      case KarpenterCrds.CRD_CHART:
        return new eks.HelmChart(this, 'CrdChart', {
          cluster: this.cluster,
          repository: CRD_CHART_REPOSITORY,
          chart: 'karpenter-crd',
          version: this.version,
          release: 'karpenter-crd',
          namespace: this.controllerNamespace,
          createNamespace: this.controllerNamespace !== 'kube-system',
        });
      case KarpenterCrds.NONE:
        return undefined;
    }
  }
}

function validateVersion(scope: IConstruct, version: string): string {
  if (Token.isUnresolved(version)) {
    throw new HardenedEksError('KarpenterVersionToken', scope,
      'version is a token; give the chart version as a literal (e.g. "1.14.1"): it selects the CRDs at synth time.');
  }
  if (!CHART_VERSION.test(version)) {
    const hint = /^v\d/.test(version) ? ` Drop the leading "v": "${version.slice(1)}".` : '';
    throw new HardenedEksError('InvalidKarpenterVersion', scope,
      `version "${version}" is not a chart version such as "1.14.1".${hint}`);
  }
  return version;
}

function validateNamespace(scope: IConstruct, namespace: string): string {
  if (!Token.isUnresolved(namespace) && !isDnsLabel(namespace)) {
    throw new HardenedEksError('InvalidKarpenterNamespace', scope,
      `controllerNamespace "${namespace}" is not a Kubernetes namespace name: at most 63 lowercase letters, digits and '-', ` +
      'starting and ending with a letter or digit. Use e.g. "kube-system" (the default) or "karpenter".');
  }
  return namespace;
}

function chooseCrds(scope: IConstruct, crds: KarpenterCrds | undefined, version: string): KarpenterCrds {
  if (crds === KarpenterCrds.VENDORED || (crds === undefined)) {
    if (version !== VENDORED_KARPENTER_VERSION) {
      throw new HardenedEksError('KarpenterCrdsVersionMismatch', scope,
        `version is "${version}" but the CRDs vendored in this library are Karpenter ${VENDORED_KARPENTER_VERSION}'s` +
        `${crds === undefined ? ' (crds defaults to KarpenterCrds.VENDORED)' : ''}. ` +
        'Set crds: KarpenterCrds.CRD_CHART to install the karpenter-crd chart of the same version, or KarpenterCrds.NONE ' +
        `if you manage the CRDs yourself; or use version "${VENDORED_KARPENTER_VERSION}".`);
    }
    return KarpenterCrds.VENDORED;
  }
  return crds;
}

function endpointOf(scope: IConstruct, cluster: eks.ICluster): string {
  try {
    return cluster.clusterEndpoint;
  } catch {
    throw new HardenedEksError('ClusterEndpointUnknown', scope,
      `cluster ${cluster.node.path} has no clusterEndpoint. Karpenter is given the endpoint (settings.clusterEndpoint) ` +
      'rather than discovering it; pass clusterEndpoint to eks.Cluster.fromClusterAttributes().');
  }
}

/** Our values with the user's merged over them; see `KarpenterOptions.helmValues`. */
function mergeValues(scope: IConstruct, ours: { [key: string]: any }, theirs: { [key: string]: any }): { [key: string]: any } {
  const serviceAccount = theirs.serviceAccount ?? {};
  if (serviceAccount.name !== undefined && serviceAccount.name !== SERVICE_ACCOUNT) {
    throw new HardenedEksError('KarpenterServiceAccountFixed', scope,
      `helmValues.serviceAccount.name is "${serviceAccount.name}"; it must stay "${SERVICE_ACCOUNT}", the service account ` +
      'the Pod Identity association and the controller role trust name. Remove it from helmValues.');
  }
  if (serviceAccount.annotations && 'eks.amazonaws.com/role-arn' in serviceAccount.annotations) {
    throw new HardenedEksError('KarpenterIrsaAnnotation', scope,
      'helmValues.serviceAccount.annotations sets "eks.amazonaws.com/role-arn" (IRSA). The controller gets its credentials ' +
      'through Pod Identity (controllerRole); an IRSA annotation would take precedence in the SDK. Remove it.');
  }
  const merged = deepMerge(ours, theirs);
  const ourEnv: Array<{ name: string }> = ours.controller.env;
  const theirEnv: unknown = theirs.controller?.env;
  if (theirEnv !== undefined) {
    if (!Array.isArray(theirEnv) || theirEnv.some((e) => typeof e?.name !== 'string')) {
      throw new HardenedEksError('InvalidControllerEnv', scope,
        'helmValues.controller.env must be a list of { name, value } (or valueFrom) objects, as in a container spec.');
    }
    const names = new Set(theirEnv.map((e: { name: string }) => e.name));
    merged.controller.env = [...ourEnv.filter((e) => !names.has(e.name)), ...theirEnv];
  }
  return merged;
}

function deepMerge(base: { [key: string]: any }, over: { [key: string]: any }): { [key: string]: any } {
  const result: { [key: string]: any } = { ...base };
  for (const [key, value] of Object.entries(over)) {
    result[key] = isPlainObject(value) && isPlainObject(base[key]) ? deepMerge(base[key], value) : value;
  }
  return result;
}

function isPlainObject(value: unknown): value is { [key: string]: any } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Token.isUnresolved(value);
}
