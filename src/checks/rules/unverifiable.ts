import { RuleCategory } from './rule';
import { RuleId } from './rule-id';
import { RuleModule } from './rule-module';
import { Severity } from '../severity';

/** `Unverifiable`: its metadata, its category and what it judges. */
export const UNVERIFIABLE: RuleModule = {
  id: RuleId.UNVERIFIABLE,
  category: RuleCategory.IMDS,
  // Any judged resource or object can hold a value only known at deploy time; these types are
  // judged by this rule alone (a reference the engine cannot follow, a nested stack whose template
  // is absent).
  judges: {
    resourceTypes: [
      'AWS::AutoScaling::AutoScalingGroup',
      'AWS::CloudFormation::Stack',
    ],
    kubernetesKinds: [],
  },
  judgesEverythingJudged: true,
  defaultSeverity: Severity.WARNING,
  summary:
    'The value is only known at deploy time (a parameter without AllowedValues that are all 1, Fn::ImportValue, ' +
    'a dynamic reference, a launch template from outside the assembly, a token inside a manifest, a trust ' +
    'policy, policy, statement or action of a Pod Identity or IRSA role). The finding names the rule that could not ' +
    'decide (`decidingRuleId`) and takes that rule\'s category.',
  explanation:
    'Unknown is not a pass: nothing in the synthesized output proves the node is protected, or that the ' +
    'workload role is scoped to its service account and its own resources.',
  fix:
    'Use a literal value, constrain the parameter with `AllowedValues: [1]` (`[required]` for tokens), write ' +
    'the workload role\'s policies in the template, or acknowledge the finding with the reason the external ' +
    'value is known to be safe. To fail on unknown IMDS values without failing on unknown IAM documents, raise ' +
    '`Unverifiable:imds` to error (`severityOverrides`, or the CLI\'s `--severity Unverifiable:imds=error`).',
};
