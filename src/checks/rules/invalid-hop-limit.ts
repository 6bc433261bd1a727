import { RuleCategory } from './rule';
import { RuleId } from './rule-id';
import { RuleModule } from './rule-module';
import { Severity } from '../severity';

/** `InvalidHopLimit`: its metadata, its category and what it judges. */
export const INVALID_HOP_LIMIT: RuleModule = {
  id: RuleId.INVALID_HOP_LIMIT,
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
  summary: 'The hop limit is outside 1..64, not an integer, or (in a Kubernetes object) not a JSON integer.',
  explanation:
    'EC2 rejects such a value at deploy time, and the Karpenter CRD rejects a non-integer; the intended setting ' +
    'never reaches the node.',
  fix: 'Use the integer 1.',
};
