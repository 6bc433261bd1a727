// The rule registry (internal; RuleCatalogue in index.ts is its public face): one file per rule (its id, category, what it judges, severity and texts).
// The catalogue, the README rule table, docs/rules.md, the CLI help, the validation plugin's rule
// ids and the SARIF rule metadata are all read from here.
import { ADDON_NEEDS_IMDS } from './addon-needs-imds';
import { HOP_LIMIT_ABOVE_ONE } from './hop-limit-above-one';
import { HOP_LIMIT_NOT_PINNED } from './hop-limit-not-pinned';
import { HOST_NETWORK_POD } from './host-network-pod';
import { IMDS_V1_ALLOWED } from './imds-v1-allowed';
import { INVALID_HOP_LIMIT } from './invalid-hop-limit';
import { IRSA_TRUST_WILDCARD_SUBJECT } from './irsa-trust-wildcard-subject';
import { IRSA_TRUST_WITHOUT_SUBJECT } from './irsa-trust-without-subject';
import { NODE_ROLE_WORKLOAD_POLICY } from './node-role-workload-policy';
import { NODEGROUP_DEFAULT_LAUNCH_TEMPLATE } from './nodegroup-default-launch-template';
import { POD_IDENTITY_TRUST_UNSCOPED } from './pod-identity-trust-unscoped';
import { POD_IDENTITY_TRUST_WITHOUT_TAG_SESSION } from './pod-identity-trust-without-tag-session';
import { RuleDefinition } from './rule';
import { RuleModule } from './rule-module';
import { TOKENS_NOT_PINNED } from './tokens-not-pinned';
import { UNVERIFIABLE } from './unverifiable';
import { WORKLOAD_ROLE_WILDCARD } from './workload-role-wildcard';

/** Every rule, in catalogue order. */
const MODULES: readonly RuleModule[] = [
  HOP_LIMIT_ABOVE_ONE,
  HOP_LIMIT_NOT_PINNED,
  IMDS_V1_ALLOWED,
  TOKENS_NOT_PINNED,
  NODEGROUP_DEFAULT_LAUNCH_TEMPLATE,
  INVALID_HOP_LIMIT,
  UNVERIFIABLE,
  HOST_NETWORK_POD,
  ADDON_NEEDS_IMDS,
  IRSA_TRUST_WITHOUT_SUBJECT,
  IRSA_TRUST_WILDCARD_SUBJECT,
  POD_IDENTITY_TRUST_WITHOUT_TAG_SESSION,
  POD_IDENTITY_TRUST_UNSCOPED,
  NODE_ROLE_WORKLOAD_POLICY,
  WORKLOAD_ROLE_WILDCARD,
];

/** The rules' definitions, in catalogue order. Shared: never hand one out without a copy. */
export const CATALOGUE: readonly RuleDefinition[] = resolve(MODULES);
const BY_ID = new Map(CATALOGUE.map((r) => [r.id, r]));
/** Each rule's fixes by construct type, as maps (a jsii type name is input: never an object lookup). */
const CONSTRUCT_FIXES = new Map(CATALOGUE.map((r) => [r.id, new Map(Object.entries(r.constructFixes ?? {}))]));

/**
 * The shared definition of a rule, for the engine (which reads it for every finding): not a copy,
 * so not for callers outside the checker.
 *
 * @throws if there is no such rule
 */
export function ruleDefinition(ruleId: string): RuleDefinition {
  const rule = BY_ID.get(ruleId);
  if (!rule) {
    throw new Error(`Unknown IMDS checker rule id '${ruleId}'. Known rule ids: ${CATALOGUE.map((r) => r.id).join(', ')}.`);
  }
  return rule;
}

/** Whether a rule with this id exists. */
export function isRuleId(ruleId: string): boolean {
  return BY_ID.has(ruleId);
}

/** The fix of a rule for a resource made by the construct of this jsii type (see `RuleCatalogue.fixFor`). */
export function fixOf(ruleId: string, constructFqn?: string): string {
  const rule = ruleDefinition(ruleId);
  return (constructFqn !== undefined ? CONSTRUCT_FIXES.get(ruleId)?.get(constructFqn) : undefined) ?? rule.fix;
}

/** The public definitions, with what `Unverifiable` judges spelled out (everything judged, plus its own types). */
function resolve(modules: readonly RuleModule[]): RuleDefinition[] {
  const types = new Set(modules.filter((m) => !m.judgesEverythingJudged).flatMap((m) => m.judges.resourceTypes));
  const kinds = new Set(modules.filter((m) => !m.judgesEverythingJudged).flatMap((m) => m.judges.kubernetesKinds));
  return modules.map(({ judgesEverythingJudged, ...rule }) => (judgesEverythingJudged
    ? {
      ...rule,
      judges: {
        resourceTypes: [...new Set([...types, ...rule.judges.resourceTypes])],
        kubernetesKinds: [...new Set([...kinds, ...rule.judges.kubernetesKinds])],
      },
    }
    : rule));
}

