import {
  allowsAction, ConditionEntry, conditionVariants, ConditionVariant, describeStatement, hasHole, isLikeOperator,
  isPositiveOperator, keyIs, showText, Statement, surelyAllows,
} from './iam-documents';
import { identityIndex, isWorkloadRole, POD_IDENTITY_SERVICE, WEB_IDENTITY_ACTION, workloadKind } from './identity-index';
import { describeVia, IssueCollector } from './issues';
import { TemplateContext } from './values';
import { RuleId } from '../rules';

/**
 * The trust rules of a role: IRSA (`IrsaTrustWithoutSubject`, `IrsaTrustWildcardSubject`) and
 * EKS Pod Identity (`PodIdentityTrustWithoutTagSession`, `PodIdentityTrustUnscoped`). Each gives
 * at most one finding per role, on `Properties.AssumeRolePolicyDocument`, naming the statements.
 * A trust policy that cannot be read in full is `Unverifiable` when the role is known to be a
 * workload role (by the statements that can be read, or by a Pod Identity association): the
 * statements only known at deploy time may trust any service account, on no condition.
 */

const TRUST_PATH = 'Properties.AssumeRolePolicyDocument';
const SUBJECT = 'AssumeRolePolicyDocument';

/** Session tags EKS Pod Identity sets, and source keys: any of them, required, scopes the trust. */
const POD_IDENTITY_SCOPING_KEYS = [
  'aws:RequestTag/eks-cluster-arn',
  'aws:RequestTag/eks-cluster-name',
  'aws:RequestTag/kubernetes-namespace',
  'aws:RequestTag/kubernetes-service-account',
  'aws:SourceAccount',
  'aws:SourceArn',
];

export function judgeRoleTrust(ctx: TemplateContext, roleId: string, issues: IssueCollector): void {
  const index = identityIndex(ctx);
  const trust = index.trust(roleId);
  if (trust.unreadable.length > 0) {
    const associations = index.podIdentityAssociations(roleId);
    const role = isWorkloadRole(trust) ? `this ${workloadKind(trust)}`
      : associations.length > 0 ? `this role (given to pods by ${associations.join(', ')})` : undefined;
    if (role !== undefined) {
      // Which trust rule cannot decide: the Pod Identity one for a role given to pods by an
      // association or trusting pods.eks.amazonaws.com, else the IRSA one.
      const deciding = trust.podIdentity.length > 0 || associations.length > 0
        ? RuleId.POD_IDENTITY_TRUST_UNSCOPED : RuleId.IRSA_TRUST_WITHOUT_SUBJECT;
      const parts = trust.unreadable.map((u) => `${u.path === TRUST_PATH ? 'the document' : u.path.slice(TRUST_PATH.length + 1)} (${u.reason})`);
      issues.unknown(deciding, TRUST_PATH, `${SUBJECT} of ${role}`,
        `cannot be read in full: ${parts.join('; ')}; what is only known at deploy time may let any service account assume the role`);
    }
  }
  for (const w of trust.webIdentity) {
    judgeWebIdentity(ctx, w.statement, w.provider, issues);
  }
  if (trust.podIdentity.length > 0) {
    judgePodIdentity(ctx, trust.podIdentity, issues);
  }
}

// ------------------------------------------------------------------------------------ IRSA

/** Whether a condition key is an OIDC subject (`<issuer>:sub`). */
function isSubKey(key: string): boolean {
  return key.toLowerCase().endsWith(':sub');
}

/** A Like operator whose every value is `*` matches everything: it scopes nothing. */
function matchesEverything(e: ConditionEntry): boolean {
  return isLikeOperator(e.operator) && e.values.length > 0 && e.values.every((v) => v.kind === 'text' && /^\*+$/.test(v.text));
}

function hasWildcard(e: ConditionEntry): boolean {
  return e.values.some((v) => v.kind !== 'text' || hasHole(v.text) || /[*?]/.test(v.text));
}

function describeEntry(e: ConditionEntry): string {
  const key = e.key.split('\u0000').join('${…}');
  return `${e.operator} ${JSON.stringify(key)}: ${e.values.map(showText).join(', ') || '[]'}`;
}

function judgeWebIdentity(ctx: TemplateContext, s: Statement, provider: string, issues: IssueCollector): void {
  const allows = allowsAction(ctx, s, WEB_IDENTITY_ACTION);
  const lets = `${describeStatement(s)} lets ${provider} assume the role${allows === 'maybe' ? ' (its actions can include sts:AssumeRoleWithWebIdentity)' : ' with sts:AssumeRoleWithWebIdentity'}`;
  for (const v of conditionVariants(ctx, s)) {
    const subs = v.entries.filter((e) => isPositiveOperator(e.operator) && isSubKey(e.key) && !matchesEverything(e));
    if (subs.length === 0) {
      const everything = v.entries.filter((e) => isSubKey(e.key) && matchesEverything(e));
      const why = everything.length > 0
        ? `but its only ":sub" condition (${everything.map(describeEntry).join('; ')}) matches every subject`
        : v.unknown.length > 0
          ? `but no ":sub" condition can be read (${v.unknown.join('; ')})`
          : 'with no ":sub" condition';
      issues.add(RuleId.IRSA_TRUST_WITHOUT_SUBJECT, TRUST_PATH, SUBJECT,
        `${lets}, ${why}${describeVia(v)}: any service account of the cluster can assume it`);
      continue;
    }
    // Conditions are ANDed: one exact match pins the subject whatever the Like ones allow.
    if (subs.some((e) => !isLikeOperator(e.operator))) {
      continue;
    }
    const wild = subs.filter(hasWildcard);
    if (wild.length === subs.length) {
      issues.add(RuleId.IRSA_TRUST_WILDCARD_SUBJECT, TRUST_PATH, SUBJECT,
        `${lets}, matching ":sub" as a pattern (${wild.map(describeEntry).join('; ')})${describeVia(v)}: every service account the pattern matches can assume it`);
    }
  }
}

// ------------------------------------------------------------------------------------ Pod Identity

type Scope = 'scoped' | 'unscoped' | 'unknown';

function podIdentityScope(v: ConditionVariant): Scope {
  const scoped = v.entries.some((e) => isPositiveOperator(e.operator)
    && POD_IDENTITY_SCOPING_KEYS.some((k) => keyIs(e.key, k))
    && !matchesEverything(e));
  if (scoped) return 'scoped';
  return v.unknown.length > 0 ? 'unknown' : 'unscoped';
}

function judgePodIdentity(ctx: TemplateContext, statements: Statement[], issues: IssueCollector): void {
  const trusts = `trusts ${POD_IDENTITY_SERVICE} (${statements.map(describeStatement).join(', ')})`;

  const tagSessionSure = statements.some((s) => s.always && surelyAllows(ctx, s) && allowsAction(ctx, s, 'sts:TagSession') === 'yes');
  if (!tagSessionSure) {
    const maybe = statements.some((s) => allowsAction(ctx, s, 'sts:TagSession') !== 'no');
    issues.add(RuleId.POD_IDENTITY_TRUST_WITHOUT_TAG_SESSION, TRUST_PATH, SUBJECT,
      `${trusts} but ${maybe ? 'does not allow sts:TagSession in every case that can be deployed' : 'does not allow sts:TagSession'}: ` +
      'EKS Pod Identity tags every session it starts, so associations with this role fail');
  }

  // Session tags and source keys are checked on the one request that assumes the role and tags
  // the session: conditions on the statement allowing sts:TagSession scope it too.
  const tagGrants = statements.filter((s) => allowsAction(ctx, s, 'sts:TagSession') !== 'no');
  const tagSessionAlwaysScoped = tagGrants.length > 0
    && tagGrants.every((s) => conditionVariants(ctx, s).every((v) => podIdentityScope(v) === 'scoped'));
  if (tagSessionAlwaysScoped) {
    return;
  }
  // One phrase per reason, naming every statement it applies to.
  const byReason = new Map<string, string[]>();
  for (const s of statements) {
    if (allowsAction(ctx, s, 'sts:AssumeRole') === 'no') {
      continue;
    }
    for (const v of conditionVariants(ctx, s)) {
      const scope = podIdentityScope(v);
      if (scope === 'scoped') continue;
      const why = scope === 'unknown'
        ? `with conditions that cannot be read (${v.unknown.join('; ')})`
        : 'with no session-tag condition (aws:RequestTag/eks-cluster-arn, kubernetes-namespace, kubernetes-service-account) and no aws:SourceAccount or aws:SourceArn condition';
      const list = byReason.get(why) ?? [];
      const which = `${describeStatement(s)}${describeVia(v)}`;
      if (!list.includes(which)) list.push(which);
      byReason.set(why, list);
    }
  }
  for (const [why, which] of byReason) {
    issues.add(RuleId.POD_IDENTITY_TRUST_UNSCOPED, TRUST_PATH, SUBJECT,
      `${which.join(', ')} ${which.length > 1 ? 'let' : 'lets'} ${POD_IDENTITY_SERVICE} assume the role ${why}: any Pod Identity association in the account can use it`);
  }
}
