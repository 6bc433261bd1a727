import { EC2_LAUNCH_TEMPLATE, TOKENS_FIX_L2 } from './construct-fixes';
import { EC2_METADATA_TYPES, MANIFEST_TYPES } from './judged';
import { RuleCategory } from './rule';
import { RuleId } from './rule-id';
import { RuleModule } from './rule-module';
import { Severity } from '../severity';

/** `TokensNotPinned`: its metadata, its category and what it judges. */
export const TOKENS_NOT_PINNED: RuleModule = {
  id: RuleId.TOKENS_NOT_PINNED,
  category: RuleCategory.IMDS,
  judges: {
    resourceTypes: [...EC2_METADATA_TYPES, 'AWS::EC2::SpotFleet', ...MANIFEST_TYPES],
    kubernetesKinds: ['karpenter.k8s.aws/AWSNodeTemplate', 'karpenter.sh/Provisioner'],
  },
  defaultSeverity: Severity.ERROR,
  summary: '`HttpTokens` is omitted where the default depends on the AMI or the account (or, for a v1alpha1 ' +
    'AWSNodeTemplate, was `optional`).',
  explanation:
    'Without an explicit value, whether IMDSv1 is allowed depends on how the AMI was registered and on account ' +
    'defaults; a v1alpha1 AWSNodeTemplate with partial metadataOptions defaulted to optional.',
  fix: 'Write `HttpTokens: required` explicitly.',
  constructFixes: { [EC2_LAUNCH_TEMPLATE]: TOKENS_FIX_L2 },
};
