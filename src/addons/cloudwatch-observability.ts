import * as eksl1 from 'aws-cdk-lib/aws-eks';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ManagedAddonOptions } from './managed-addon-options';
import { ManagedAddonWithPodIdentity } from './managed-addons';

/**
 * Options of a `CloudWatchObservability` (`HardenedCluster.addCloudWatchObservability()`).
 */
export interface CloudWatchObservabilityOptions extends ManagedAddonOptions {}

/**
 * Properties of a `CloudWatchObservability`.
 */
export interface CloudWatchObservabilityProps extends CloudWatchObservabilityOptions {
  /** The cluster: any aws-eks-v2 cluster, defined in the app or imported. */
  readonly cluster: eks.ICluster;
}

/**
 * Container Insights as the EKS managed add-on `amazon-cloudwatch-observability`, at hop limit 1:
 *
 * - the add-on's `PodIdentityAssociations` give `amazon-cloudwatch/cloudwatch-agent` a role
 *   trusted only for this cluster, namespace, service account and account (the association
 *   belongs to the add-on; the service account is claimed);
 * - the role holds the AWS managed `CloudWatchAgentServerPolicy`, the add-on's documented policy;
 * - the CloudWatch agent and Fluent Bit DaemonSets run on the host network: they read the node's
 *   instance metadata at zero hops, which the hop limit does not restrict, and need no other
 *   setting; the credentials they use are the add-on's role, not the node role.
 *
 * Versions with Pod Identity support start at v3.1.0-eksbuild.1; older ones are refused.
 */
export class CloudWatchObservability extends Construct {
  /** The add-on. */
  public readonly addon: eksl1.CfnAddon;
  /** The agent's role. */
  public readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: CloudWatchObservabilityProps) {
    super(scope, id);
    const made = new ManagedAddonWithPodIdentity(this, 'Default', props.cluster, props, {
      kind: 'CloudWatchObservability',
      addonName: 'amazon-cloudwatch-observability',
      namespace: 'amazon-cloudwatch',
      serviceAccount: 'cloudwatch-agent',
      managedPolicy: 'CloudWatchAgentServerPolicy',
      policyReason: 'CloudWatchAgentServerPolicy is the policy the amazon-cloudwatch-observability add-on documents for its agent; ' +
        'CloudWatch PutMetricData has no resource-level permissions.',
      podIdentitySince: [3, 1, 0, 1],
    });
    this.addon = made.addon;
    this.role = made.role;
  }
}
