import { Aws, Stack, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct, IConstruct } from 'constructs';
import { AddonOptions } from './addon-options';
import { installChartAddon } from './chart-addon';
import { mergeValues, refuseOwnedValues, userEnvWithoutRegion, validateReplicas } from './validate';
import { PodIdentity } from '../identity/pod-identity';
import { narrowedToZones, vendoredPolicy } from '../private/addon-policies';
import { HardenedEksError } from '../private/errors';
import { acknowledgeAwsSolutions } from '../private/nag';

/** The Helm chart version installed by default (jetstack charts are versioned with a leading `v`). */
const DEFAULT_VERSION = 'v1.21.1';
const CHART_REPOSITORY = 'https://charts.jetstack.io';
const CHART = 'cert-manager';
const NAMESPACE = 'cert-manager';
const SERVICE_ACCOUNT = 'cert-manager';
const POLICY_FILE = 'cert-manager/route53-dns01-policy.json';

/**
 * Route 53 DNS-01 for a `CertManager`.
 */
export interface CertManagerRoute53Options {
  /** The hosted zones cert-manager may write `_acme-challenge` TXT records in: the only zones its policy names. */
  readonly hostedZones: route53.IHostedZone[];
}

/**
 * Options of a `CertManager` (`HardenedCluster.addCertManager()`).
 */
export interface CertManagerOptions extends AddonOptions {
  /**
   * Version of the `cert-manager` Helm chart (charts.jetstack.io), with its leading `v`.
   *
   * @default CertManager.DEFAULT_VERSION ('v1.21.1')
   */
  readonly version?: string;
  /**
   * Controller, webhook and cainjector replicas.
   *
   * @default 2
   */
  readonly replicas?: number;
  /**
   * An identity for ACME DNS-01 challenges in Route 53 (`ClusterIssuer`s with a `route53` solver
   * and no credentials use it: cert-manager's "ambient credentials").
   *
   * @default - no AWS identity (HTTP-01 and other issuers need none)
   */
  readonly route53?: CertManagerRoute53Options;
  /**
   * Extra Helm values, merged over this construct's. `serviceAccount` and the region in
   * `extraEnv` are the construct's.
   *
   * @default - no extra values
   */
  readonly helmValues?: { [key: string]: any };
}

/**
 * Properties of a `CertManager`.
 */
export interface CertManagerProps extends CertManagerOptions {
  /** The cluster: any aws-eks-v2 cluster with a kubectl provider, defined in the app or imported. */
  readonly cluster: eks.ICluster;
}

/**
 * cert-manager, installed so that it works at hop limit 1:
 *
 * - the `cert-manager` Helm chart from charts.jetstack.io, pinned, its CRDs installed and kept by
 *   the chart, in the `cert-manager` namespace (chosen over the EKS community add-on so that the
 *   version and the values are pinned and checked against the chart's own schema, vendored);
 * - with `route53`: `AWS_REGION` in the controller's environment (the Route 53 solver would
 *   otherwise ask IMDS for a region), EKS Pod Identity for `cert-manager/cert-manager` with the
 *   scoped trust, and the policy of cert-manager's Route 53 guide (vendored), its `hostedzone/*`
 *   narrowed to the given zones and, as upstream, record changes to TXT records only.
 */
export class CertManager extends Construct {
  /** The chart version installed by default. */
  public static readonly DEFAULT_VERSION = DEFAULT_VERSION;

  /** The chart version installed. */
  public readonly version: string;
  /** The Helm release. */
  public readonly chart: eks.HelmChart;
  /** The controller's identity for Route 53, when `route53` is given. */
  public readonly identity?: PodIdentity;
  /** The Route 53 policy, when `route53` is given. */
  public readonly policy?: iam.Policy;

  constructor(scope: Construct, id: string, props: CertManagerProps) {
    super(scope, id);
    this.version = validateVersion(this, props.version ?? DEFAULT_VERSION);
    const replicas = validateReplicas(this, 'replicas', props.replicas ?? 2);
    const helmValues = props.helmValues ?? {};
    refuseOwnedValues(this, helmValues, [], '', 'serviceAccount', SERVICE_ACCOUNT);
    const theirEnv = userEnvWithoutRegion(this, helmValues, 'extraEnv');
    const zones = props.route53?.hostedZones;
    if (props.route53 && (!zones || zones.length === 0)) {
      throw new HardenedEksError('CertManagerNoZones', this, 'route53.hostedZones is empty; give the zones cert-manager may answer DNS-01 challenges in.');
    }

    let document: any;
    if (zones) {
      document = vendoredPolicy(POLICY_FILE, Aws.PARTITION);
      const zoneArns = zones.map((z) => z.hostedZoneArn);
      narrowedToZones(document, zoneArns);
    }
    const placement = props.nodeSelector ? { nodeSelector: { 'kubernetes.io/os': 'linux', ...props.nodeSelector } } : {};
    const parts = installChartAddon(this, {
      cluster: props.cluster,
      repository: CHART_REPOSITORY,
      chart: CHART,
      version: this.version,
      namespace: NAMESPACE,
      createNamespace: true,
      serviceAccount: SERVICE_ACCOUNT,
      policyDocument: document,
      podIdentityAgent: props.podIdentityAgent,
      values: mergeValues(helmValues, {
        crds: { enabled: true, keep: true },
        replicaCount: replicas,
        serviceAccount: { create: true, name: SERVICE_ACCOUNT },
        ...(zones ? { extraEnv: [...theirEnv, { name: 'AWS_REGION', value: Stack.of(this).region }] } : {}),
        ...placement,
        webhook: { replicaCount: replicas, ...placement },
        cainjector: { replicaCount: replicas, ...placement },
        startupapicheck: { ...placement },
      }),
    });
    this.chart = parts.chart;
    this.identity = parts.identity;
    this.policy = parts.policy;
    if (this.policy) {
      acknowledgeWildcards(this.policy);
    }
  }
}

function validateVersion(scope: IConstruct, version: string): string {
  if (!Token.isUnresolved(version) && !/^v\d+\.\d+\.\d+$/.test(version)) {
    throw new HardenedEksError('InvalidAddonVersion', scope,
      `version is "${version}"; jetstack charts are versioned with a leading "v", e.g. "${DEFAULT_VERSION}".`);
  }
  return version;
}

function acknowledgeWildcards(policy: IConstruct): void {
  const reason =
    'The policy of cert-manager\'s Route 53 DNS-01 guide (vendored in vendor/): route53:GetChange names no resource ' +
    'before the change exists (change/*) and ListHostedZonesByName has no resource-level permissions; record changes ' +
    'are limited to the given zones and to TXT records.';
  for (const finding of ['AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:route53:::change/*]']) {
    acknowledgeAwsSolutions(policy, finding, reason);
  }
}
