// The rule registry: one file per rule (its id, category, what it judges, severity and texts),
// listed in registry.ts. The catalogue, the README rule table, docs/rules.md, the CLI help, the
// validation plugin's rule ids and the SARIF rule metadata are all read from there.
import { CATALOGUE, fixOf, isRuleId, ruleDefinition } from './registry';
import { RuleDefinition } from './rule';

export * from './rule-id';
export * from './rule';

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
    return fixOf(ruleId, constructFqn);
  }

  /**
   * The rule with this id.
   *
   * @throws if there is no such rule
   */
  public static get(ruleId: string): RuleDefinition {
    return copy(ruleDefinition(ruleId));
  }

  /** Whether a rule with this id exists. */
  public static has(ruleId: string): boolean {
    return isRuleId(ruleId);
  }

  private constructor() {}
}
