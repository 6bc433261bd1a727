import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/** What a Pod Identity role is scoped to. */
export interface PodIdentityScope {
  /** ARN of the cluster whose associations may use the role. */
  readonly clusterArn: string;
  /** Kubernetes namespace of the service account. */
  readonly namespace: string;
  /** Name of the service account. */
  readonly serviceAccount: string;
}

/**
 * The principal a Pod Identity role trusts: `pods.eks.amazonaws.com` for `sts:AssumeRole` and
 * `sts:TagSession`, conditioned on the session tags EKS sets (cluster ARN, namespace, service
 * account) and on the account, so no other association (another cluster, namespace or service
 * account, or another account) can reuse the role.
 */
export function podIdentityPrincipal(scope: IConstruct, target: PodIdentityScope): iam.IPrincipal {
  const service = new iam.ServicePrincipal('pods.eks.amazonaws.com').withConditions({
    StringEquals: {
      'aws:SourceAccount': Stack.of(scope).account,
      'aws:RequestTag/eks-cluster-arn': target.clusterArn,
      'aws:RequestTag/kubernetes-namespace': target.namespace,
      'aws:RequestTag/kubernetes-service-account': target.serviceAccount,
    },
  });
  return new iam.SessionTagsPrincipal(service);
}
