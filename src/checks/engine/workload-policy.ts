import {
  alternatives, conditionVariants, describeStatement, hasHole, mayAllow, showText, Statement, statementsOf, Text, texts,
} from './iam-documents';
import { identityIndex, isWorkloadRole, workloadKind } from './identity-index';
import { describeVia, IssueCollector } from './issues';
import { awsManagedPolicies } from './node-role';
import { isPlainObject, TemplateContext } from './values';
import { RuleId } from '../rules';

/**
 * `WorkloadRoleWildcard`: a Pod Identity or IRSA role whose policies allow every action (`*`,
 * `service:*`, `NotAction`), or mutating actions on `Resource: "*"` with no `Condition`. Reported
 * where the fix goes: on the role for its inline `Policies` and `ManagedPolicyArns`, on the
 * `AWS::IAM::Policy` / `ManagedPolicy` / `RolePolicy` resource for a policy attached to the role.
 * A policy, statement or action of a workload role only known at deploy time is `Unverifiable`:
 * unknown is not a pass.
 */

const UNKNOWN_CONSEQUENCE = 'whether the role gets every action, or mutating actions on every resource, is only known at deploy time';

/** Verbs that only read. */
const READ_ONLY_VERB = /^(get|list|describe|head)/i;

/** AWS managed policies known by name to allow every action, or every action of a service. */
function isBroadAwsManagedPolicy(name: string): boolean {
  return name === 'AdministratorAccess' || name === 'PowerUserAccess' || /FullAccess$/.test(name);
}

export function judgeWorkloadRolePolicies(ctx: TemplateContext, roleId: string, props: Record<string, unknown>, issues: IssueCollector): void {
  const trust = identityIndex(ctx).trust(roleId);
  if (!isWorkloadRole(trust)) {
    return;
  }
  const kind = workloadKind(trust);
  for (const list of alternatives(ctx, props.Policies)) {
    if (list.kind === 'unknown') {
      issues.unknown(RuleId.WORKLOAD_ROLE_WILDCARD, 'Properties.Policies', `Policies of this ${kind}`, `cannot be read (${list.reason}): ${UNKNOWN_CONSEQUENCE}`);
    }
    if (list.kind !== 'known' || !Array.isArray(list.value)) continue;
    list.value.forEach((entry, i) => {
      for (const policy of alternatives(ctx, entry)) {
        if (policy.kind === 'unknown') {
          issues.unknown(RuleId.WORKLOAD_ROLE_WILDCARD, `Properties.Policies.${i}`, `Policies.${i} of this ${kind}`, `cannot be read (${policy.reason}): ${UNKNOWN_CONSEQUENCE}`);
        }
        if (policy.kind !== 'known' || !isPlainObject(policy.value)) continue;
        judgeDocument(ctx, policy.value.PolicyDocument, `Properties.Policies.${i}.PolicyDocument`,
          `Policies.${i}.PolicyDocument of this ${kind}`, issues);
      }
    });
  }
  for (const p of awsManagedPolicies(ctx, props.ManagedPolicyArns)) {
    if (isBroadAwsManagedPolicy(p.name)) {
      issues.add(RuleId.WORKLOAD_ROLE_WILDCARD, 'Properties.ManagedPolicyArns', `ManagedPolicyArns of this ${kind}`,
        `hold the AWS managed policy ${p.name}${describeVia(p)}, which allows ${p.name === 'AdministratorAccess' || p.name === 'PowerUserAccess' ? 'every action' : 'every action of a service'}`);
    }
  }
}

/** Judges an `AWS::IAM::Policy`, `AWS::IAM::ManagedPolicy` or `AWS::IAM::RolePolicy` attached to workload roles. */
export function judgeWorkloadPolicyResource(ctx: TemplateContext, policyId: string, props: Record<string, unknown>, issues: IssueCollector): void {
  const index = identityIndex(ctx);
  const roles = index.attachedRoles(policyId).filter((r) => isWorkloadRole(index.trust(r)));
  if (roles.length === 0) {
    return;
  }
  const attachedTo = roles.map((r) => `the ${workloadKind(index.trust(r))} ${r}`).join(', ');
  judgeDocument(ctx, props.PolicyDocument, 'Properties.PolicyDocument', `PolicyDocument (attached to ${attachedTo})`, issues);
}

function known(ts: Text[]): string[] {
  return ts.filter((t): t is Extract<Text, { kind: 'text' }> => t.kind === 'text' && !hasHole(t.text)).map((t) => t.text);
}

function quote(list: string[]): string {
  const shown = list.slice(0, 5).map((s) => JSON.stringify(s)).join(', ');
  return list.length > 5 ? `${shown} and ${list.length - 5} more` : shown;
}

function judgeDocument(ctx: TemplateContext, document: unknown, path: string, subject: string, issues: IssueCollector): void {
  const { statements, unreadable } = statementsOf(ctx, document, path);
  for (const u of unreadable) {
    issues.unknown(RuleId.WORKLOAD_ROLE_WILDCARD, path, subject,
      `cannot be read${u.path === path ? '' : ` at ${u.path.slice(path.length + 1)}`} (${u.reason}): ${UNKNOWN_CONSEQUENCE}`);
  }
  for (const s of statements) {
    if (!mayAllow(ctx, s)) continue;
    const actionTexts = s.value.NotAction === undefined ? texts(ctx, s.value.Action) : [];
    for (const phrase of judgeStatement(ctx, s, actionTexts)) {
      issues.add(RuleId.WORKLOAD_ROLE_WILDCARD, path, subject, phrase);
    }
    // A NotAction statement already counts as every action (judgeStatement).
    const unknownActions = actionTexts.filter((t) => t.kind !== 'text' || hasHole(t.text));
    if (unknownActions.length > 0) {
      issues.unknown(RuleId.WORKLOAD_ROLE_WILDCARD, path, subject,
        `${describeStatement(s)} allows, as its actions, ${unknownActions.map(showText).join(', ')}: ${UNKNOWN_CONSEQUENCE}`);
    }
  }
}

/** The phrases of a statement's findings; `actionTexts` are the texts of its `Action`. */
function judgeStatement(ctx: TemplateContext, s: Statement, actionTexts: Text[]): string[] {
  const phrases: string[] = [];
  const statement = describeStatement(s);
  if (s.value.NotAction !== undefined) {
    phrases.push(`${statement} allows every action but ${texts(ctx, s.value.NotAction).map(showText).join(', ') || 'none'} (NotAction)`);
    return phrases;
  }
  const actions = [...new Set(known(actionTexts))];
  const wildcards = actions.filter((a) => a === '*' || /^[^:]*:\*+$/.test(a) || /^\*+$/.test(a));
  if (wildcards.length > 0) {
    phrases.push(`${statement} allows ${wildcards.some((a) => /^\*+(:\*+)?$/.test(a)) ? 'every action' : 'every action of a service'} (${quote(wildcards)})`);
  }
  // Only mutating actions on every resource matter below: without one, Resource and Condition are not read.
  const mutating = actions.filter((a) => !wildcards.includes(a) && !READ_ONLY_VERB.test(a.slice(a.indexOf(':') + 1)));
  if (mutating.length === 0) {
    return phrases;
  }
  const wideResource = s.value.NotResource !== undefined
    ? 'every resource but NotResource'
    : known(texts(ctx, s.value.Resource)).includes('*') ? 'Resource "*"' : undefined;
  if (wideResource === undefined) {
    return phrases;
  }
  const unconditioned = conditionVariants(ctx, s).filter((v) => v.entries.length === 0 && v.unknown.length === 0);
  if (unconditioned.length > 0) {
    const via = unconditioned.find((v) => v.via)?.via;
    phrases.push(`${statement} allows the mutating action${mutating.length > 1 ? 's' : ''} ${quote(mutating)} on ${wideResource} with no Condition${describeVia({ via })}`);
  }
  return phrases;
}
