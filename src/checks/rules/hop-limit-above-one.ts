import { EC2_LAUNCH_TEMPLATE, HOP_FIX_L2 } from './construct-fixes';
import { EC2_METADATA_TYPES, MANIFEST_TYPES, NODE_CLASS_KINDS } from './judged';
import { RuleCategory } from './rule';
import { RuleId } from './rule-id';
import { RuleModule } from './rule-module';
import { Severity } from '../severity';

/** `HopLimitAboveOne`: its metadata, its category and what it judges. */
export const HOP_LIMIT_ABOVE_ONE: RuleModule = {
  id: RuleId.HOP_LIMIT_ABOVE_ONE,
  category: RuleCategory.IMDS,
  judges: {
    resourceTypes: [...EC2_METADATA_TYPES, 'AWS::EMR::SecurityConfiguration', ...MANIFEST_TYPES],
    kubernetesKinds: [...NODE_CLASS_KINDS],
  },
  defaultSeverity: Severity.ERROR,
  summary: 'The PUT response hop limit is, or in some Fn::If branch or mapping value can be, greater than 1.',
  explanation:
    'With a hop limit of 2 or more, the IMDSv2 token response survives the extra hop into a pod\'s network ' +
    'namespace, so any pod on the node can fetch a token and read the node role\'s credentials.',
  fix:
    'Set the hop limit to 1 (CloudFormation `HttpPutResponseHopLimit: 1`, Karpenter ' +
    '`metadataOptions.httpPutResponseHopLimit: 1`) and give workloads their own credentials through EKS Pod ' +
    'Identity or IRSA.',
  constructFixes: { [EC2_LAUNCH_TEMPLATE]: HOP_FIX_L2 },
};
