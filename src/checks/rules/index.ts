// The rule registry: one file per rule (its id, category, what it judges, severity and texts).
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

export * from './rule-id';
export * from './rule';

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

const CATALOGUE: readonly RuleDefinition[] = resolve(MODULES);
const BY_ID = new Map(CATALOGUE.map((r) => [r.id, r]));

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

function copy(rule: RuleDefinition): RuleDefinition {
  return {
    ...rule,
    judges: { resourceTypes: [...rule.judges.resourceTypes], kubernetesKinds: [...rule.judges.kubernetesKinds] },
    ...(rule.constructFixes ? { constructFixes: { ...rule.constructFixes } } : {}),
  };
}

/**
 * The catalogue of the IMDS checker's rules: the single source for messages, SARIF rule metadata,
 * the CLI help and the README rule table.
 */
export class RuleCatalogue {
  /** Every rule, in catalogue order. */
  public static all(): RuleDefinition[] {
    return CATALOGUE.map(copy);
  }

  /**
   * The rules of one category, in catalogue order.
   *
   * @param category a `RuleCategory` value: `imds`, `identity` or `addon`
   */
  public static ofCategory(category: string): RuleDefinition[] {
    return CATALOGUE.filter((r) => r.category === category).map(copy);
  }

  /**
   * The rules that judge a CloudFormation resource type, in catalogue order (empty for a type no
   * rule judges).
   *
   * @param resourceType e.g. `AWS::EC2::LaunchTemplate`
   */
  public static judging(resourceType: string): RuleDefinition[] {
    return CATALOGUE.filter((r) => r.judges.resourceTypes.includes(resourceType)).map(copy);
  }

  /**
   * The fix of a rule for a resource made by the construct of this jsii type: in that construct's
   * props where the catalogue has them, else in CloudFormation's terms.
   *
   * @param ruleId the rule
   * @param constructFqn the jsii type of the construct that made the resource, e.g. `aws-cdk-lib.aws_ec2.LaunchTemplate`
   */
  public static fixFor(ruleId: string, constructFqn?: string): string {
    const rule = RuleCatalogue.get(ruleId);
    const fixes = rule.constructFixes ? new Map(Object.entries(rule.constructFixes)) : undefined;
    return (constructFqn !== undefined ? fixes?.get(constructFqn) : undefined) ?? rule.fix;
  }

  /**
   * The rule with this id.
   *
   * @throws if there is no such rule
   */
  public static get(ruleId: string): RuleDefinition {
    const rule = BY_ID.get(ruleId);
    if (!rule) {
      throw new Error(`Unknown IMDS checker rule id '${ruleId}'. Known rule ids: ${CATALOGUE.map((r) => r.id).join(', ')}.`);
    }
    return copy(rule);
  }

  /** Whether a rule with this id exists. */
  public static has(ruleId: string): boolean {
    return BY_ID.has(ruleId);
  }

  private constructor() {}
}
