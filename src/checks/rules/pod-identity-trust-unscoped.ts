import { ROLE_ONLY } from './judged';
import { RuleCategory } from './rule';
import { RuleId } from './rule-id';
import { RuleModule } from './rule-module';
import { Severity } from '../severity';

/** `PodIdentityTrustUnscoped`: its metadata, its category and what it judges. */
export const POD_IDENTITY_TRUST_UNSCOPED: RuleModule = {
  id: RuleId.POD_IDENTITY_TRUST_UNSCOPED,
  category: RuleCategory.IDENTITY,
  judges: ROLE_ONLY,
  defaultSeverity: Severity.WARNING,
  summary:
    'A role trusts `pods.eks.amazonaws.com` with no session-tag condition (`aws:RequestTag/eks-cluster-arn`, ' +
    '`kubernetes-namespace`, `kubernetes-service-account`) and no `aws:SourceAccount` / `aws:SourceArn` condition. ' +
    'Reported on the role.',
  explanation:
    'Anyone who may create a Pod Identity association in the account (on any cluster, for any namespace and service ' +
    'account) can then hand this role to a pod: the trust policy does not say which workload the role is for. ' +
    'aws-eks-v2 `ServiceAccount` with `IdentityType.POD_IDENTITY` writes such a trust.',
  fix:
    'Condition the trust on the session tags EKS sets, e.g. `StringEquals: {"aws:RequestTag/eks-cluster-arn": ' +
    '<cluster ARN>, "aws:RequestTag/kubernetes-namespace": <namespace>, "aws:RequestTag/kubernetes-service-account": ' +
    '<name>, "aws:SourceAccount": <account>}` (this library\'s Pod Identity roles do).',
};
