import { Aws, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { AddonOptions } from './addon-options';
import { installChartAddon } from './chart-addon';
import { mergeValues, refuseOwnedValues, validateChartVersion, validateReplicas } from './validate';
import { ImdsAcknowledgements } from '../checks/acknowledgements';
import { RuleId } from '../checks/rules';
import { PodIdentity } from '../identity/pod-identity';
import { vendoredPolicy } from '../private/addon-policies';
import { HardenedEksError } from '../private/errors';
import { acknowledgeAwsSolutions } from '../private/nag';

/** The Helm chart version installed by default (controller v3.5.0; its IAM policy is vendored). */
const DEFAULT_VERSION = '3.5.0';
const CHART_REPOSITORY = 'https://aws.github.io/eks-charts';
const CHART = 'aws-load-balancer-controller';
const NAMESPACE = 'kube-system';
const SERVICE_ACCOUNT = 'aws-load-balancer-controller';
/** The values this construct owns: the ones that keep the controller off IMDS, and its identity. */
const OWNED_VALUES = ['clusterName', 'region', 'vpcId', 'vpcTags'];

/**
 * Options of a `LoadBalancerController` (`HardenedCluster.addLoadBalancerController()`).
 */
export interface LoadBalancerControllerOptions extends AddonOptions {
  /**
   * Version of the `aws-load-balancer-controller` Helm chart (eks-charts). The controller's IAM
   * policy is the one vendored for the default version; pin another version only after checking
   * that its `docs/install/iam_policy.json` is unchanged, or pass what it adds in
   * `additionalPolicyStatements`.
   *
   * @default LoadBalancerController.DEFAULT_VERSION ('3.5.0', controller v3.5.0)
   */
  readonly version?: string;
  /**
   * Controller replicas (one leads, the others serve the webhooks).
   *
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Extra Helm values, merged over this construct's. `clusterName`, `region`, `vpcId`, `vpcTags`
   * and `serviceAccount.name` are the construct's (they keep the controller off IMDS and on its
   * Pod Identity) and cannot be set here; an IRSA role annotation is refused.
   *
   * @default - no extra values
   */
  readonly helmValues?: { [key: string]: any };
  /**
   * Statements added to the controller's policy, for features a newer chart version needs.
   *
   * @default - the vendored upstream policy only
   */
  readonly additionalPolicyStatements?: iam.PolicyStatement[];
}

/**
 * Properties of a `LoadBalancerController`.
 */
export interface LoadBalancerControllerProps extends LoadBalancerControllerOptions {
  /** The cluster: any aws-eks-v2 cluster with a kubectl provider, defined in the app or imported. */
  readonly cluster: eks.ICluster;
  /**
   * The VPC whose id the controller is given (it would otherwise ask IMDS for it).
   *
   * @default - the cluster's VPC (`cluster.vpc`)
   */
  readonly vpc?: ec2.IVpc;
}

/**
 * The AWS Load Balancer Controller, installed so that it works at hop limit 1:
 *
 * - the `aws-load-balancer-controller` Helm chart from eks-charts, pinned, told its cluster name,
 *   region (the cluster stack's) and VPC id, which it would otherwise ask IMDS for (the upstream
 *   install guide's alternative is raising the hop limit to 2);
 * - EKS Pod Identity for `kube-system/aws-load-balancer-controller`, with a trust scoped to this
 *   cluster, namespace, service account and account (a `PodIdentity`);
 * - the controller's official IAM policy (`docs/install/iam_policy.json` of the controller's
 *   release, vendored with its provenance in `vendor/README.md`), with the partition of the stack.
 *
 * The chart waits for the role, its policy and the Pod Identity association. Deleting: Services
 * of type LoadBalancer and Ingresses that the controller reconciles must be deleted while it still
 * runs, or their load balancers are left behind. Make every such manifest depend on `chart`
 * (`manifest.node.addDependency(controller.chart)`): CloudFormation then deletes them first.
 */
export class LoadBalancerController extends Construct {
  /** The chart version installed by default. */
  public static readonly DEFAULT_VERSION = DEFAULT_VERSION;

  /** The chart version installed. */
  public readonly version: string;
  /** The Helm release. */
  public readonly chart: eks.HelmChart;
  /** The controller's identity (its role, the association). */
  public readonly identity: PodIdentity;
  /** The controller's policy, attached to the identity's role. */
  public readonly policy: iam.Policy;

  constructor(scope: Construct, id: string, props: LoadBalancerControllerProps) {
    super(scope, id);
    this.version = validateChartVersion(this, 'version', props.version ?? DEFAULT_VERSION, DEFAULT_VERSION);
    const replicas = validateReplicas(this, 'replicas', props.replicas ?? 2);
    const vpc = props.vpc ?? clusterVpc(this, props.cluster);
    const helmValues = props.helmValues ?? {};
    refuseOwnedValues(this, helmValues, OWNED_VALUES,
      'the construct sets clusterName, region and vpcId itself (the controller would otherwise ask IMDS for them, which fails ' +
      'at hop limit 1); pass `vpc` to choose another VPC.', 'serviceAccount', SERVICE_ACCOUNT);

    const parts = installChartAddon(this, {
      cluster: props.cluster,
      repository: CHART_REPOSITORY,
      chart: CHART,
      version: this.version,
      namespace: NAMESPACE,
      serviceAccount: SERVICE_ACCOUNT,
      policyDocument: vendoredPolicy('aws-load-balancer-controller/iam_policy.json', Aws.PARTITION),
      podIdentityAgent: props.podIdentityAgent,
      values: mergeValues(helmValues, {
        clusterName: props.cluster.clusterName,
        region: Stack.of(this).region,
        vpcId: vpc.vpcId,
        replicaCount: replicas,
        serviceAccount: { create: true, name: SERVICE_ACCOUNT },
        ...(props.nodeSelector ? { nodeSelector: props.nodeSelector } : {}),
      }),
    });
    this.chart = parts.chart;
    this.identity = parts.identity!;
    this.policy = parts.policy!;
    for (const statement of props.additionalPolicyStatements ?? []) {
      this.policy.addStatements(statement);
    }
    acknowledgeUpstreamWildcards(this.policy);
  }
}

/**
 * The upstream policy keeps several writes on `Resource: "*"`: EC2 and Elastic Load Balancing do
 * not support resource-level permissions for these creates, and the controller finds its own
 * resources by the `elbv2.k8s.aws/cluster` tag that the conditioned statements require.
 */
function acknowledgeUpstreamWildcards(policy: IConstruct): void {
  const reason =
    'The AWS Load Balancer Controller\'s official policy (docs/install/iam_policy.json, vendored in vendor/) keeps these ' +
    'writes on Resource "*": security group and listener creation, WAF and Shield association and listener changes ' +
    'have no narrower resource the controller can know before it creates the load balancer; tag-conditioned ' +
    'statements scope the rest to resources it tagged.';
  ImdsAcknowledgements.add(policy, [{ ruleId: RuleId.WORKLOAD_ROLE_WILDCARD, reason }]);
  for (const finding of [
    'AwsSolutions-IAM5[Resource::*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*:*:security-group/*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticloadbalancing:*:*:targetgroup/*/*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticloadbalancing:*:*:loadbalancer/net/*/*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticloadbalancing:*:*:loadbalancer/app/*/*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticloadbalancing:*:*:listener/net/*/*/*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticloadbalancing:*:*:listener/app/*/*/*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticloadbalancing:*:*:listener-rule/net/*/*/*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticloadbalancing:*:*:listener-rule/app/*/*/*]',
  ]) {
    acknowledgeAwsSolutions(policy, finding, reason);
  }
}

/** The cluster's VPC; an imported cluster has one only if it was imported with `vpc`. */
function clusterVpc(scope: IConstruct, cluster: eks.ICluster): ec2.IVpc {
  try {
    return cluster.vpc;
  } catch {
    throw new HardenedEksError('LoadBalancerControllerNeedsVpc', scope,
      `the cluster ${cluster.node.path} has no VPC (it was imported without one); pass \`vpc\` so the controller is told its ` +
      'VPC id (it would otherwise ask IMDS, which fails at hop limit 1).');
  }
}
