// Fixes written in the props of the CDK constructs that most often make a finding's resource.
export const EC2_LAUNCH_TEMPLATE = 'aws-cdk-lib.aws_ec2.LaunchTemplate';
export const EKS_NODEGROUPS = ['aws-cdk-lib.aws_eks_v2.Nodegroup', 'aws-cdk-lib.aws_eks.Nodegroup'];
export const HOP_FIX_L2 =
  'Set `httpPutResponseHopLimit: 1` and `httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED` on the ec2.LaunchTemplate, ' +
  'and give workloads their own credentials through EKS Pod Identity or IRSA (`HardenedCluster.addPodIdentity()`).';
export const TOKENS_FIX_L2 = 'Set `httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED` (or `requireImdsv2: true`) on the ec2.LaunchTemplate.';
export const NODEGROUP_FIX_L2 =
  'Pass `launchTemplateSpec` to the Nodegroup, from an ec2.LaunchTemplate with `httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED` ' +
  'and `httpPutResponseHopLimit: 1`, or create the group with `HardenedCluster.addNodegroupCapacity()`, which builds that launch ' +
  'template. EKS replaces the node group (create the new one, drain, delete the old one).';

