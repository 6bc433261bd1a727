import { EKS_NODEGROUPS, NODEGROUP_FIX_L2 } from './construct-fixes';
import { } from './judged';
import { RuleCategory } from './rule';
import { RuleId } from './rule-id';
import { RuleModule } from './rule-module';
import { Severity } from '../severity';

/** `NodegroupDefaultLaunchTemplate`: its metadata, its category and what it judges. */
export const NODEGROUP_DEFAULT_LAUNCH_TEMPLATE: RuleModule = {
  id: RuleId.NODEGROUP_DEFAULT_LAUNCH_TEMPLATE,
  category: RuleCategory.IMDS,
  judges: {
    resourceTypes: ['AWS::EKS::Nodegroup'],
    kubernetesKinds: [],
  },
  defaultSeverity: Severity.ERROR,
  summary: 'An AWS::EKS::Nodegroup has no LaunchTemplate.',
  explanation:
    'EKS then generates a launch template whose hop limit is not under your control: 2 for Amazon Linux 2; the EKS ' +
    'docs contradict each other for AL2023 and say nothing for Bottlerocket and Windows. ' +
    'Such a node group cannot be moved to a custom launch template in place: it must be replaced.',
  fix:
    'Give the node group an explicit launch template with `MetadataOptions: {HttpTokens: required, ' +
    'HttpPutResponseHopLimit: 1}` (replace the node group: create the new one, drain, delete the old one).',
  constructFixes: Object.fromEntries(EKS_NODEGROUPS.map((fqn) => [fqn, NODEGROUP_FIX_L2])),
};
