import { CfnResource } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct, IDependable } from 'constructs';

/**
 * The `eks-pod-identity-agent` add-on of a cluster, without which no Pod Identity association
 * hands out credentials. Looked for in this order: an `AWS::EKS::Addon` of that name for this
 * cluster already defined in the app; the cluster's own `eksPodIdentityAgent` (a cluster defined in
 * this app creates it on first use); else a new `eks.Addon` under `scope`, with the id
 * `PodIdentityAgent`. An imported cluster has no `eksPodIdentityAgent`: the add-on found in the app
 * or created here is then the only one, so later callers find it.
 */
export function podIdentityAgentOf(scope: Construct, cluster: eks.ICluster): IDependable {
  const existing = scope.node.root.node.findAll().find((c) =>
    CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::EKS::Addon' &&
    (c as unknown as { addonName?: string }).addonName === 'eks-pod-identity-agent' &&
    (c as unknown as { clusterName?: string }).clusterName === cluster.clusterName);
  return existing ?? cluster.eksPodIdentityAgent ?? new eks.Addon(scope, 'PodIdentityAgent', {
    cluster,
    addonName: 'eks-pod-identity-agent',
  });
}
