import { ROLE_ONLY } from './judged';
import { RuleCategory } from './rule';
import { RuleId } from './rule-id';
import { RuleModule } from './rule-module';
import { Severity } from '../severity';

/** `IrsaTrustWithoutSubject`: its metadata, its category and what it judges. */
export const IRSA_TRUST_WITHOUT_SUBJECT: RuleModule = {
  id: RuleId.IRSA_TRUST_WITHOUT_SUBJECT,
  category: RuleCategory.IDENTITY,
  judges: ROLE_ONLY,
  defaultSeverity: Severity.ERROR,
  summary:
    'A role lets an EKS OIDC provider assume it (`sts:AssumeRoleWithWebIdentity`) with no `<issuer>:sub` condition ' +
    '(or only one that matches everything). A federated principal only known at deploy time counts as an EKS OIDC ' +
    'provider. Reported on the role.',
  explanation:
    'The cluster\'s OIDC provider signs the token of every service account in the cluster. Without a condition on ' +
    'the token\'s subject, any pod, in any namespace, can trade its token for this role\'s credentials: IRSA then ' +
    'protects nothing the node role did not. A Federated principal the checker cannot see through (a parameter, an ' +
    'import, an attribute of a resource that is not an OIDC provider) is judged as if it were an EKS OIDC provider; ' +
    'an OIDC provider resource whose Url is a known non-EKS issuer, and a known non-EKS provider ARN, are not judged.',
  fix:
    'Add `StringEquals: {"<issuer>:sub": "system:serviceaccount:<namespace>:<service-account>", "<issuer>:aud": ' +
    '"sts.amazonaws.com"}` to the trust statement (aws-eks-v2 `ServiceAccount` writes it), or move the workload to ' +
    'EKS Pod Identity.',
};
