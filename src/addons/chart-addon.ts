import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PodIdentity } from '../identity/pod-identity';

/** A Helm-installed add-on: its chart, and the Pod Identity and policy of its controller. */
export interface ChartAddonSpec {
  readonly cluster: eks.ICluster;
  readonly repository: string;
  readonly chart: string;
  readonly version: string;
  readonly namespace: string;
  readonly createNamespace?: boolean;
  /** The service account the chart creates (and the association names). */
  readonly serviceAccount: string;
  /** The controller's policy; without one, no AWS identity is made. */
  readonly policyDocument?: any;
  readonly podIdentityAgent?: boolean;
  readonly values: { [key: string]: any };
}

/** What `installChartAddon` made. */
export interface ChartAddonParts {
  readonly chart: eks.HelmChart;
  readonly identity?: PodIdentity;
  readonly policy?: iam.Policy;
}

/**
 * The chart of an add-on, released under the chart's own name, and (with a policy) a `PodIdentity`
 * for the service account the chart creates, with the policy on its role; the chart waits for both.
 * Every Helm-installed add-on of this library is made this way (one role path: `PodIdentity`).
 */
export function installChartAddon(scope: Construct, spec: ChartAddonSpec): ChartAddonParts {
  let identity: PodIdentity | undefined;
  let policy: iam.Policy | undefined;
  if (spec.policyDocument) {
    identity = new PodIdentity(scope, 'Identity', {
      cluster: spec.cluster,
      serviceAccountNamespace: spec.namespace,
      serviceAccount: spec.serviceAccount,
      // The chart creates the service account (without an IRSA annotation).
      createServiceAccount: false,
      podIdentityAgent: spec.podIdentityAgent,
    });
    policy = new iam.Policy(scope, 'Policy', { document: iam.PolicyDocument.fromJson(spec.policyDocument), roles: [identity.role] });
  }
  const chart = new eks.HelmChart(scope, 'Chart', {
    cluster: spec.cluster,
    repository: spec.repository,
    chart: spec.chart,
    version: spec.version,
    release: spec.chart,
    namespace: spec.namespace,
    ...(spec.createNamespace ? { createNamespace: true } : {}),
    values: spec.values,
  });
  if (identity && policy) {
    chart.node.addDependency(identity, policy);
  }
  return { chart, identity, policy };
}
