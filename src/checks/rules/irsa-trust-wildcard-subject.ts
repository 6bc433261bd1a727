import { ROLE_ONLY } from './judged';
import { RuleCategory } from './rule';
import { RuleId } from './rule-id';
import { RuleModule } from './rule-module';
import { Severity } from '../severity';

/** `IrsaTrustWildcardSubject`: its metadata, its category and what it judges. */
export const IRSA_TRUST_WILDCARD_SUBJECT: RuleModule = {
  id: RuleId.IRSA_TRUST_WILDCARD_SUBJECT,
  category: RuleCategory.IDENTITY,
  judges: ROLE_ONLY,
  defaultSeverity: Severity.WARNING,
  summary:
    'An IRSA trust matches `<issuer>:sub` only with `StringLike` patterns that hold wildcards (or values only known ' +
    'at deploy time). Reported on the role.',
  explanation:
    'A pattern such as `system:serviceaccount:apps:*` lets every service account the pattern matches assume the ' +
    'role, including ones created later by anyone who may create service accounts in that namespace. An exact ' +
    '`StringEquals` on `:sub` in the same statement pins the subject, so the statement then passes.',
  fix:
    'Use `StringEquals` with the exact `system:serviceaccount:<namespace>:<service-account>`; list several values ' +
    'if several service accounts need the role.',
};
