import { EC2_METADATA_TYPES, MANIFEST_TYPES, NODE_CLASS_KINDS } from './judged';
import { RuleCategory } from './rule';
import { RuleId } from './rule-id';
import { RuleModule } from './rule-module';
import { Severity } from '../severity';

/** `InvalidHopLimit`: its metadata, its category and what it judges. */
export const INVALID_HOP_LIMIT: RuleModule = {
  id: RuleId.INVALID_HOP_LIMIT,
  category: RuleCategory.IMDS,
  judges: {
    resourceTypes: [...EC2_METADATA_TYPES, 'AWS::EMR::SecurityConfiguration', ...MANIFEST_TYPES],
    kubernetesKinds: [...NODE_CLASS_KINDS],
  },
  defaultSeverity: Severity.ERROR,
  summary: 'The hop limit is outside 1..64, not an integer, or (in a Kubernetes object) not a JSON integer.',
  explanation:
    'EC2 rejects such a value at deploy time, and the Karpenter CRD rejects a non-integer; the intended setting ' +
    'never reaches the node.',
  fix: 'Use the integer 1.',
};
