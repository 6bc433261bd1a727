import { EC2_LAUNCH_TEMPLATE, HOP_FIX_L2 } from './construct-fixes';
import { RuleCategory } from './rule';
import { RuleId } from './rule-id';
import { RuleModule } from './rule-module';
import { Severity } from '../severity';

/** `HopLimitAboveOne`: its metadata, its category and what it judges. */
export const HOP_LIMIT_ABOVE_ONE: RuleModule = {
  id: RuleId.HOP_LIMIT_ABOVE_ONE,
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
