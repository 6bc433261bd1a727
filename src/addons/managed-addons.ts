import { Stack, Token } from 'aws-cdk-lib';
// L1s come from aws-eks: aws-eks-v2 does not re-export them in every aws-cdk-lib release we support.
import * as eksl1 from 'aws-cdk-lib/aws-eks';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ManagedAddonOptions } from './managed-addon-options';
import { podIdentityAgentOf } from '../identity/agent';
import { claimServiceAccount } from '../identity/service-account';
import { podIdentityPrincipal } from '../identity/trust';
import { HardenedEksError } from '../private/errors';
import { acknowledgeAwsSolutions, managedPolicyFinding } from '../private/nag';

/** What an EKS managed add-on needs: its name, its controller's service account and its policy. */
interface ManagedAddonSpec {
  readonly kind: string;
  readonly addonName: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** AWS managed policy name (`service-role/AmazonEFSCSIDriverPolicy`). */
  readonly managedPolicy: string;
  /** Why the managed policy (no narrower official one), for cdk-nag. */
  readonly policyReason: string;
  /** The first version with Pod Identity support: [major, minor, patch, eksbuild]. */
  readonly podIdentitySince: readonly [number, number, number, number];
}

/** The add-on, its role and the identity it holds, made the same way for every managed add-on. */
export class ManagedAddonWithPodIdentity extends Construct {
  public readonly addon: eksl1.CfnAddon;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, cluster: eks.ICluster, options: ManagedAddonOptions, spec: ManagedAddonSpec) {
    super(scope, id);
    if (options.version !== undefined) {
      validateAddonVersion(this, options.version, spec);
    }
    // The association belongs to the add-on (EKS creates and deletes it with the add-on): the
    // claim keeps a PodIdentity or IrsaRole for the same service account from being made as well.
    claimServiceAccount(this, `${spec.kind} add-on`, cluster, spec.namespace, spec.serviceAccount);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: podIdentityPrincipal(this, { clusterArn: cluster.clusterArn, namespace: spec.namespace, serviceAccount: spec.serviceAccount }),
      description: `${spec.namespace}/${spec.serviceAccount} (${spec.addonName} add-on) through EKS Pod Identity`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(spec.managedPolicy)],
    });
    acknowledgeAwsSolutions(this.role, managedPolicyFinding(spec.managedPolicy), spec.policyReason);
    this.addon = new eksl1.CfnAddon(this, 'Addon', {
      clusterName: cluster.clusterName,
      addonName: spec.addonName,
      ...(options.version !== undefined ? { addonVersion: options.version } : {}),
      ...(options.configurationValues ? { configurationValues: Stack.of(this).toJsonString(options.configurationValues) } : {}),
      podIdentityAssociations: [{ roleArn: this.role.roleArn, serviceAccount: spec.serviceAccount }],
      resolveConflicts: 'OVERWRITE',
    });
    if (options.podIdentityAgent ?? true) {
      this.addon.node.addDependency(podIdentityAgentOf(this, cluster));
    }
  }
}

function validateAddonVersion(scope: Construct, version: string, spec: ManagedAddonSpec): void {
  if (Token.isUnresolved(version)) {
    return;
  }
  const m = /^v(\d+)\.(\d+)\.(\d+)-eksbuild\.(\d+)$/.exec(version);
  if (!m) {
    throw new HardenedEksError('InvalidAddonVersion', scope,
      `version is "${version}"; give an EKS add-on version as vX.Y.Z-eksbuild.N (aws eks describe-addon-versions --addon-name ${spec.addonName}).`);
  }
  const given = m.slice(1).map(Number);
  const since = spec.podIdentitySince;
  const older = given.findIndex((n, i) => n !== since[i]);
  if (older >= 0 && given[older] < since[older]) {
    const min = `v${since[0]}.${since[1]}.${since[2]}-eksbuild.${since[3]}`;
    throw new HardenedEksError('AddonVersionWithoutPodIdentity', scope,
      `version is "${version}"; ${spec.addonName} supports EKS Pod Identity from ${min}. Use ${min} or later.`);
  }
}
