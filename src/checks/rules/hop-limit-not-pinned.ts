import { EC2_LAUNCH_TEMPLATE, HOP_FIX_L2 } from './construct-fixes';
import { EC2_METADATA_TYPES, MANIFEST_TYPES, NODE_CLASS_KINDS } from './judged';
import { RuleCategory } from './rule';
import { RuleId } from './rule-id';
import { RuleModule } from './rule-module';
import { Severity } from '../severity';

/** `HopLimitNotPinned`: its metadata, its category and what it judges. */
export const HOP_LIMIT_NOT_PINNED: RuleModule = {
  id: RuleId.HOP_LIMIT_NOT_PINNED,
  category: RuleCategory.IMDS,
  judges: {
    resourceTypes: [...EC2_METADATA_TYPES, 'AWS::EC2::SpotFleet', 'AWS::Batch::ComputeEnvironment', ...MANIFEST_TYPES],
    kubernetesKinds: [...NODE_CLASS_KINDS],
  },
  defaultSeverity: Severity.ERROR,
  summary:
    'The hop limit is left to a default that can be above 1 (no MetadataOptions or no HttpPutResponseHopLimit, ' +
    'an AWS::NoValue branch, a Karpenter v1beta1 EC2NodeClass, v1alpha1 AWSNodeTemplate or v1alpha5 Provisioner provider without one).',
  explanation:
    'An omitted hop limit does not reliably mean 1: AMIs registered with ImdsSupport v2.0 (Amazon Linux 2023 among ' +
    'them) default to 2, account-level defaults can change it, and Karpenter v1beta1 / v1alpha1 defaulted to 2.',
  fix:
    'Write the hop limit out explicitly as 1 on every launch template, launch configuration, instance and ' +
    'node class.',
  constructFixes: { [EC2_LAUNCH_TEMPLATE]: HOP_FIX_L2 },
};
