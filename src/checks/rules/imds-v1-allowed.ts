import { EC2_LAUNCH_TEMPLATE, TOKENS_FIX_L2 } from './construct-fixes';
import { RuleCategory } from './rule';
import { RuleId } from './rule-id';
import { RuleModule } from './rule-module';
import { Severity } from '../severity';

/** `ImdsV1Allowed`: its metadata, its category and what it judges. */
export const IMDS_V1_ALLOWED: RuleModule = {
  id: RuleId.IMDS_V1_ALLOWED,
  category: RuleCategory.IMDS,
  judges: {
    resourceTypes: [
      'AWS::EC2::LaunchTemplate',
      'AWS::AutoScaling::LaunchConfiguration',
      'AWS::EC2::Instance',
      'AWS::EC2::EC2Fleet',
      'AWS::ImageBuilder::InfrastructureConfiguration',
      'AWS::WorkSpacesInstances::WorkspaceInstance',
      'AWS::EMR::SecurityConfiguration',
      'Custom::AWSCDK-EKS-KubernetesResource',
      'Custom::AWSCDK-EKS-KubernetesPatch',
      'Custom::AWSCDK-EKS-HelmChart',
    ],
    kubernetesKinds: [
      'karpenter.k8s.aws/EC2NodeClass',
      'karpenter.k8s.aws/AWSNodeTemplate',
      'karpenter.sh/Provisioner',
    ],
  },
  defaultSeverity: Severity.ERROR,
  summary: '`HttpTokens` is `optional`: IMDSv1 is allowed.',
  explanation:
    'IMDSv1 GET requests need no token and are not hop-limited, so a hop limit of 1 alone blocks nothing: any ' +
    'pod can read the node role\'s credentials with a plain GET.',
  fix: 'Set `HttpTokens: required` (Karpenter `metadataOptions.httpTokens: required`).',
  constructFixes: { [EC2_LAUNCH_TEMPLATE]: TOKENS_FIX_L2 },
};
