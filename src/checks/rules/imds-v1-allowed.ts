import { EC2_LAUNCH_TEMPLATE, TOKENS_FIX_L2 } from './construct-fixes';
import { EC2_METADATA_TYPES, MANIFEST_TYPES, NODE_CLASS_KINDS } from './judged';
import { RuleCategory } from './rule';
import { RuleId } from './rule-id';
import { RuleModule } from './rule-module';
import { Severity } from '../severity';

/** `ImdsV1Allowed`: its metadata, its category and what it judges. */
export const IMDS_V1_ALLOWED: RuleModule = {
  id: RuleId.IMDS_V1_ALLOWED,
  category: RuleCategory.IMDS,
  judges: {
    resourceTypes: [...EC2_METADATA_TYPES, 'AWS::EMR::SecurityConfiguration', ...MANIFEST_TYPES],
    kubernetesKinds: [...NODE_CLASS_KINDS],
  },
  defaultSeverity: Severity.ERROR,
  summary: '`HttpTokens` is `optional`: IMDSv1 is allowed.',
  explanation:
    'IMDSv1 GET requests need no token and are not hop-limited, so a hop limit of 1 alone blocks nothing: any ' +
    'pod can read the node role\'s credentials with a plain GET.',
  fix: 'Set `HttpTokens: required` (Karpenter `metadataOptions.httpTokens: required`).',
  constructFixes: { [EC2_LAUNCH_TEMPLATE]: TOKENS_FIX_L2 },
};
