// What the rules judge, in the lists several rules share (each rule file names its own extras).

/** Resource types whose own instance metadata options are judged (launch templates, instances, fleets, ...). */
export const EC2_METADATA_TYPES: readonly string[] = [
  'AWS::EC2::LaunchTemplate',
  'AWS::AutoScaling::LaunchConfiguration',
  'AWS::EC2::Instance',
  'AWS::EC2::EC2Fleet',
  'AWS::ImageBuilder::InfrastructureConfiguration',
  'AWS::WorkSpacesInstances::WorkspaceInstance',
];

/** Resource types that carry Kubernetes objects: kubectl manifests, patches, Helm values. */
export const MANIFEST_TYPES: readonly string[] = [
  'Custom::AWSCDK-EKS-KubernetesResource',
  'Custom::AWSCDK-EKS-KubernetesPatch',
  'Custom::AWSCDK-EKS-HelmChart',
];

/** Kubernetes kinds that carry node metadata options (Karpenter node classes, v1alpha5 Provisioner). */
export const NODE_CLASS_KINDS: readonly string[] = [
  'karpenter.k8s.aws/EC2NodeClass',
  'karpenter.k8s.aws/AWSNodeTemplate',
  'karpenter.sh/Provisioner',
];

/** What the rules about a role's trust and policies judge. */
export const ROLE_ONLY = { resourceTypes: ['AWS::IAM::Role'], kubernetesKinds: [] as string[] };
