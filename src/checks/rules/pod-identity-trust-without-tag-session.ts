import { ROLE_ONLY } from './judged';
import { RuleCategory } from './rule';
import { RuleId } from './rule-id';
import { RuleModule } from './rule-module';
import { Severity } from '../severity';

/** `PodIdentityTrustWithoutTagSession`: its metadata, its category and what it judges. */
export const POD_IDENTITY_TRUST_WITHOUT_TAG_SESSION: RuleModule = {
  id: RuleId.POD_IDENTITY_TRUST_WITHOUT_TAG_SESSION,
  category: RuleCategory.IDENTITY,
  judges: ROLE_ONLY,
  defaultSeverity: Severity.ERROR,
  summary:
    'A role trusts `pods.eks.amazonaws.com` but does not allow `sts:TagSession` to it (in every branch that can be ' +
    'deployed). Reported on the role.',
  explanation:
    'EKS Pod Identity assumes the role and tags the session (cluster, namespace, service account, pod) in one ' +
    'call. Without `sts:TagSession` in the trust policy that call is denied and the pods of the association get no ' +
    'credentials, which tends to end with the workload falling back to the node role.',
  fix:
    'Allow `["sts:AssumeRole", "sts:TagSession"]` to `pods.eks.amazonaws.com` (aws-cdk-lib: ' +
    '`new iam.SessionTagsPrincipal(new iam.ServicePrincipal("pods.eks.amazonaws.com"))`).',
};
