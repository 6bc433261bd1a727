import { ROLE_ONLY } from './judged';
import { RuleCategory } from './rule';
import { RuleId } from './rule-id';
import { RuleModule } from './rule-module';
import { Severity } from '../severity';

/** `NodeRoleWorkloadPolicy`: its metadata, its category and what it judges. */
export const NODE_ROLE_WORKLOAD_POLICY: RuleModule = {
  id: RuleId.NODE_ROLE_WORKLOAD_POLICY,
  category: RuleCategory.IDENTITY,
  judges: ROLE_ONLY,
  defaultSeverity: Severity.WARNING,
  summary:
    'A node role (trusted by `ec2.amazonaws.com` and used by an AWS::EKS::Nodegroup, an EC2_LINUX / EC2_WINDOWS ' +
    'access entry, or an instance profile) holds `AmazonEKS_CNI_Policy` or `AmazonEC2ContainerRegistryReadOnly`. ' +
    'Reported on the role.',
  explanation:
    'Whatever reaches the node\'s credentials (a pod in the host network, a container escape, a hop limit above 1 ' +
    'elsewhere) gets them too: the CNI policy manages network interfaces and IP addresses of every instance in the ' +
    'account, and ReadOnly lists and describes every repository and image. The node needs neither: the VPC CNI can ' +
    'have its own Pod Identity role, and `AmazonEC2ContainerRegistryPullOnly` pulls images. aws-eks-v2 node groups ' +
    'get both by default. An instance profile alone marks a node role only when the role also holds ' +
    '`AmazonEKSWorkerNodePolicy` or the CNI policy.',
  fix:
    'Replace `AmazonEC2ContainerRegistryReadOnly` with `AmazonEC2ContainerRegistryPullOnly`, and give the VPC CNI ' +
    '(`kube-system/aws-node`) its own Pod Identity role with `AmazonEKS_CNI_Policy` instead of the node role.',
};
