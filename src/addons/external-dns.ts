import { Aws, Stack, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { AddonOptions } from './addon-options';
import { installChartAddon } from './chart-addon';
import { mergeValues, refuseOwnedValues, userEnvWithoutRegion, validateChartVersion } from './validate';
import { PodIdentity } from '../identity/pod-identity';
import { narrowedToZones, vendoredPolicy } from '../private/addon-policies';
import { HardenedEksError } from '../private/errors';
import { acknowledgeAwsSolutions } from '../private/nag';

/** The Helm chart version installed by default (external-dns v0.21.0; its policy and values schema are vendored). */
const DEFAULT_VERSION = '1.21.1';
const CHART_REPOSITORY = 'https://kubernetes-sigs.github.io/external-dns/';
const CHART = 'external-dns';
const NAMESPACE = 'kube-system';
const SERVICE_ACCOUNT = 'external-dns';
const POLICY_FILE = 'external-dns/iam-policy.json';
const POLICIES = ['create-only', 'sync', 'upsert-only'];

/**
 * Options of an `ExternalDns` (`HardenedCluster.addExternalDns()`).
 */
export interface ExternalDnsOptions extends AddonOptions {
  /**
   * The Route 53 hosted zones ExternalDNS may change records in: the only zones its policy names,
   * and its `domainFilters`.
   */
  readonly hostedZones: route53.IHostedZone[];
  /**
   * Version of the `external-dns` Helm chart (kubernetes-sigs).
   *
   * @default ExternalDns.DEFAULT_VERSION ('1.21.1', external-dns v0.21.0)
   */
  readonly version?: string;
  /**
   * How ExternalDNS treats records: `upsert-only` (never deletes), `sync` (deletes what it no
   * longer sees) or `create-only`.
   *
   * @default 'upsert-only' (the chart's default)
   */
  readonly syncPolicy?: string;
  /**
   * The owner id written into the TXT registry records, so two clusters sharing a zone do not
   * take each other's records.
   *
   * @default - the cluster's name
   */
  readonly txtOwnerId?: string;
  /**
   * Extra Helm values, merged over this construct's. `provider`, `domainFilters` and the region in
   * `env` are the construct's; other `env` entries are kept.
   *
   * @default - no extra values
   */
  readonly helmValues?: { [key: string]: any };
}

/**
 * Properties of an `ExternalDns`.
 */
export interface ExternalDnsProps extends ExternalDnsOptions {
  /** The cluster: any aws-eks-v2 cluster with a kubectl provider, defined in the app or imported. */
  readonly cluster: eks.ICluster;
}

/**
 * ExternalDNS for Route 53, installed so that it works at hop limit 1:
 *
 * - the `external-dns` Helm chart (kubernetes-sigs), pinned, provider `aws`, told its region in
 *   `AWS_REGION` (it would otherwise ask IMDS), `domainFilters` from the given zones;
 * - EKS Pod Identity for `kube-system/external-dns` with the scoped trust (a `PodIdentity`);
 * - the policy of the upstream AWS tutorial (`docs/tutorials/aws.md`, vendored), its
 *   `hostedzone/*` narrowed to the given zones: record changes only there, `ListHostedZones` on `*`
 *   as the service requires.
 */
export class ExternalDns extends Construct {
  /** The chart version installed by default. */
  public static readonly DEFAULT_VERSION = DEFAULT_VERSION;

  /** The chart version installed. */
  public readonly version: string;
  /** The Helm release. */
  public readonly chart: eks.HelmChart;
  /** ExternalDNS's identity (its role, the association). */
  public readonly identity: PodIdentity;
  /** ExternalDNS's policy, attached to the identity's role. */
  public readonly policy: iam.Policy;

  constructor(scope: Construct, id: string, props: ExternalDnsProps) {
    super(scope, id);
    if (!props.hostedZones || props.hostedZones.length === 0) {
      throw new HardenedEksError('ExternalDnsNoZones', this,
        'hostedZones is empty; give the Route 53 zones ExternalDNS may change records in (route53.HostedZone.fromHostedZoneAttributes() for existing ones).');
    }
    const syncPolicy = props.syncPolicy ?? 'upsert-only';
    if (!Token.isUnresolved(syncPolicy) && !POLICIES.includes(syncPolicy)) {
      throw new HardenedEksError('InvalidExternalDnsPolicy', this, `syncPolicy is "${syncPolicy}"; use one of ${POLICIES.join(', ')}.`);
    }
    this.version = validateChartVersion(this, 'version', props.version ?? DEFAULT_VERSION, DEFAULT_VERSION);
    const helmValues = props.helmValues ?? {};
    refuseOwnedValues(this, helmValues, ['provider', 'domainFilters'],
      'the construct sets the provider and the zones its policy names.', 'serviceAccount', SERVICE_ACCOUNT);
    const theirEnv = userEnvWithoutRegion(this, helmValues, 'env');

    const document = vendoredPolicy(POLICY_FILE, Aws.PARTITION);
    const zoneArns = props.hostedZones.map((z) => z.hostedZoneArn);
    narrowedToZones(document, zoneArns);
    const parts = installChartAddon(this, {
      cluster: props.cluster,
      repository: CHART_REPOSITORY,
      chart: CHART,
      version: this.version,
      namespace: NAMESPACE,
      serviceAccount: SERVICE_ACCOUNT,
      policyDocument: document,
      podIdentityAgent: props.podIdentityAgent,
      values: mergeValues(helmValues, {
        provider: { name: 'aws' },
        env: [...theirEnv, { name: 'AWS_REGION', value: Stack.of(this).region }],
        domainFilters: props.hostedZones.map((z) => z.zoneName),
        policy: syncPolicy,
        txtOwnerId: props.txtOwnerId ?? props.cluster.clusterName,
        serviceAccount: { create: true, name: SERVICE_ACCOUNT },
        ...(props.nodeSelector ? { nodeSelector: props.nodeSelector } : {}),
      }),
    });
    this.chart = parts.chart;
    this.identity = parts.identity!;
    this.policy = parts.policy!;
    acknowledgeAwsSolutions(this.policy, 'AwsSolutions-IAM5[Resource::*]',
      'route53:ListHostedZones has no resource-level permissions (the upstream ExternalDNS AWS tutorial\'s policy, vendored); ' +
      'record changes are limited to the given hosted zones.');
  }
}
