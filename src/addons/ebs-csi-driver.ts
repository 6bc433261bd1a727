import { Aws, Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';
import { AddonOptions } from './addon-options';
import { installChartAddon } from './chart-addon';
import { mergeValues, refuseOwnedValues, validateChartVersion, validateReplicas } from './validate';
import { PodIdentity } from '../identity/pod-identity';
import { vendoredPolicy } from '../private/addon-policies';
import { acknowledgeAwsSolutions } from '../private/nag';

/** The Helm chart version installed by default (driver v1.64.0; its policy and values schema are vendored). */
const DEFAULT_VERSION = '2.64.0';
const CHART_REPOSITORY = 'https://kubernetes-sigs.github.io/aws-ebs-csi-driver';
const CHART = 'aws-ebs-csi-driver';
const NAMESPACE = 'kube-system';
const SERVICE_ACCOUNT = 'ebs-csi-controller-sa';
const POLICY_FILE = 'aws-ebs-csi-driver/AmazonEBSCSIDriverPolicyV2.json';

/**
 * Options of an `EbsCsiDriver` (`HardenedCluster.addEbsCsiDriver()`).
 */
export interface EbsCsiDriverOptions extends AddonOptions {
  /**
   * Version of the `aws-ebs-csi-driver` Helm chart. The policy and the values schema are the ones
   * vendored for the default version.
   *
   * @default EbsCsiDriver.DEFAULT_VERSION ('2.64.0', driver v1.64.0)
   */
  readonly version?: string;
  /**
   * Controller replicas.
   *
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Customer managed keys the driver may create and attach volumes with: `kms:Decrypt`,
   * `kms:GenerateDataKeyWithoutPlaintext` and `kms:CreateGrant` (for AWS resources only) on each,
   * as the driver's install guide lists.
   *
   * @default - none (volumes encrypted with the AWS managed key need no grant)
   */
  readonly kmsKeys?: kms.IKey[];
  /**
   * Create an encrypted gp3 StorageClass and make it the cluster's default.
   *
   * @default false
   */
  readonly defaultStorageClass?: boolean;
  /**
   * The customer managed key of the default StorageClass's volumes (also granted, as in `kmsKeys`).
   *
   * @default - the AWS managed key for EBS
   */
  readonly storageClassKey?: kms.IKey;
  /**
   * Extra Helm values, merged over this construct's. `controller.region` and
   * `controller.serviceAccount` are the construct's and cannot be set here.
   *
   * @default - no extra values
   */
  readonly helmValues?: { [key: string]: any };
}

/**
 * Properties of an `EbsCsiDriver`.
 */
export interface EbsCsiDriverProps extends EbsCsiDriverOptions {
  /** The cluster: any aws-eks-v2 cluster with a kubectl provider, defined in the app or imported. */
  readonly cluster: eks.ICluster;
}

/**
 * The Amazon EBS CSI driver, installed so that it works at hop limit 1:
 *
 * - the `aws-ebs-csi-driver` Helm chart, pinned; the controller is told its region
 *   (`controller.region`, i.e. `AWS_REGION`), so it skips instance metadata entirely (the driver's
 *   `docs/install.md`); the node DaemonSet falls back to Kubernetes metadata (the node's
 *   `ProviderID` and labels, which EKS sets) when IMDS is out of reach;
 * - EKS Pod Identity for `kube-system/ebs-csi-controller-sa` with the scoped trust (a `PodIdentity`);
 * - the driver's tag-scoped policy `docs/AmazonEBSCSIDriverPolicyV2.json` of the release (vendored),
 *   not the AWS managed `AmazonEBSCSIDriverPolicy`: V2 limits creates, modifications and deletes
 *   to volumes and snapshots tagged `ebs.csi.aws.com/cluster=true`, which the driver tags its own with.
 *
 * It is installed with Helm rather than as the EKS managed add-on because the chart ships the
 * schema of its values (`values.schema.json`, vendored and checked in the tests), so the region
 * setting is known to be accepted; the managed add-on's configuration schema is only published by
 * the EKS API.
 */
export class EbsCsiDriver extends Construct {
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
  /** The default StorageClass, when `defaultStorageClass` is true. */
  public readonly storageClass?: eks.KubernetesManifest;

  constructor(scope: Construct, id: string, props: EbsCsiDriverProps) {
    super(scope, id);
    this.version = validateChartVersion(this, 'version', props.version ?? DEFAULT_VERSION, DEFAULT_VERSION);
    const replicas = validateReplicas(this, 'replicas', props.replicas ?? 2);
    const helmValues = props.helmValues ?? {};
    refuseOwnedValues(this, helmValues, ['controller.region'],
      'the construct gives the controller its region (it would otherwise ask IMDS, which fails at hop limit 1).',
      'controller.serviceAccount', SERVICE_ACCOUNT);

    const parts = installChartAddon(this, {
      cluster: props.cluster,
      repository: CHART_REPOSITORY,
      chart: CHART,
      version: this.version,
      namespace: NAMESPACE,
      serviceAccount: SERVICE_ACCOUNT,
      policyDocument: vendoredPolicy(POLICY_FILE, Aws.PARTITION),
      podIdentityAgent: props.podIdentityAgent,
      values: mergeValues(helmValues, {
        controller: {
          region: Stack.of(this).region,
          replicaCount: replicas,
          serviceAccount: { create: true, name: SERVICE_ACCOUNT },
          ...(props.nodeSelector ? { nodeSelector: props.nodeSelector } : {}),
        },
      }),
    });
    this.chart = parts.chart;
    this.identity = parts.identity!;
    this.policy = parts.policy!;
    acknowledgeWildcards(this.policy);
    for (const key of [...props.kmsKeys ?? [], ...props.storageClassKey ? [props.storageClassKey] : []]) {
      grantVolumeKey(key, this.identity.role);
    }

    if (props.defaultStorageClass) {
      this.storageClass = new eks.KubernetesManifest(this, 'StorageClass', {
        cluster: props.cluster,
        manifest: [{
          apiVersion: 'storage.k8s.io/v1',
          kind: 'StorageClass',
          metadata: { name: 'gp3-encrypted', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
          provisioner: 'ebs.csi.aws.com',
          volumeBindingMode: 'WaitForFirstConsumer',
          allowVolumeExpansion: true,
          parameters: {
            type: 'gp3',
            encrypted: 'true',
            ...(props.storageClassKey ? { kmsKeyId: props.storageClassKey.keyArn } : {}),
          },
        }],
      });
      this.storageClass.node.addDependency(this.chart);
    }
  }
}

/**
 * What the driver's install guide lists for encrypted volumes (`docs/install.md`, "Encrypted EBS
 * Volumes via KMS": `kms:Decrypt`, `kms:GenerateDataKeyWithoutPlaintext`, `kms:CreateGrant`), on the
 * given key only (the guide's example is every key of the account), grants only for AWS resources.
 */
function grantVolumeKey(key: kms.IKey, role: iam.IRole): void {
  key.grant(role, 'kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext');
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['kms:CreateGrant'],
    resources: [key.keyArn],
    conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
  }));
}

/**
 * The V2 policy names volumes, snapshots and instances by ARN pattern (the driver cannot know their
 * ids before it creates them) and reads Describe* on `*` (no resource-level permissions): cdk-nag
 * asks for a reason for each pattern.
 */
function acknowledgeWildcards(policy: IConstruct): void {
  const reason =
    'The EBS CSI driver\'s tag-scoped policy (docs/AmazonEBSCSIDriverPolicyV2.json, vendored in vendor/): EC2 Describe* ' +
    'has no resource-level permissions, and volumes and snapshots are matched by ARN pattern and limited by the ' +
    'ebs.csi.aws.com/cluster tag condition the driver sets on what it creates.';
  for (const finding of [
    'AwsSolutions-IAM5[Resource::*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*:*:volume/*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*:*:volume/vol-*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*:*:snapshot/*]',
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*:*:instance/*]',
  ]) {
    acknowledgeAwsSolutions(policy, finding, reason);
  }
}
