import { HOLE, texts } from './iam-documents';
import { identityIndex } from './identity-index';
import { describeVia, IssueCollector } from './issues';
import { TemplateContext } from './values';
import { RuleId } from '../rules';

/**
 * `NodeRoleWorkloadPolicy`: a node role (trusted by `ec2.amazonaws.com` and used by a node group,
 * an `EC2_LINUX` / `EC2_WINDOWS` access entry, or an instance profile) that holds a policy some
 * workload needs but the node does not. Reported on the role, at `Properties.ManagedPolicyArns`.
 */

/** The policies the rule looks for, and what they give anything that reaches the node's credentials. */
const WORKLOAD_POLICIES: Record<string, string> = {
  AmazonEKS_CNI_Policy:
    'create, attach and delete network interfaces and assign IP addresses on any instance in the account ' +
    '(the VPC CNI should get it through its own Pod Identity or IRSA role)',
  AmazonEC2ContainerRegistryReadOnly:
    'list and describe every ECR repository and image in the account and read repository policies ' +
    '(AmazonEC2ContainerRegistryPullOnly only pulls)',
};

/** Policies that mark an instance-profile role as an EKS node role. */
const EKS_NODE_MARKERS = ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy'];

/** An AWS managed policy ARN's name (`arn:${Partition}:iam::aws:policy/service-role/X` gives `X`). */
const AWS_MANAGED = new RegExp(`(?:^|:)iam::aws:policy/(?:[^/${HOLE}]*/)*([^/${HOLE}]+)$`);

/** One AWS managed policy a role holds. */
export interface ManagedPolicyName {
  readonly name: string;
  readonly via?: string;
}

/** The AWS managed policies among a `ManagedPolicyArns` value (known names only). */
export function awsManagedPolicies(ctx: TemplateContext, arns: unknown): ManagedPolicyName[] {
  const out: ManagedPolicyName[] = [];
  for (const t of texts(ctx, arns)) {
    if (t.kind !== 'text') continue;
    const m = AWS_MANAGED.exec(t.text);
    if (m) out.push({ name: m[1], via: t.via });
  }
  return out;
}

export function judgeNodeRole(ctx: TemplateContext, roleId: string, props: Record<string, unknown>, issues: IssueCollector): void {
  const index = identityIndex(ctx);
  if (!index.trust(roleId).ec2) {
    return;
  }
  const uses = index.nodeRoleUses(roleId);
  if (uses.length === 0) {
    return;
  }
  const held = awsManagedPolicies(ctx, props.ManagedPolicyArns);
  const eksNode = uses.some((u) => u.eks) || held.some((p) => EKS_NODE_MARKERS.includes(p.name));
  if (!eksNode) {
    return;
  }
  const usedAs = uses.map((u) => u.description).join(', ');
  const found = held.filter((p) => WORKLOAD_POLICIES[p.name] !== undefined);
  if (found.length === 0) {
    return;
  }
  const names = [...new Set(found.map((p) => `${p.name}${describeVia(p)}`))];
  const gives = [...new Set(found.map((p) => WORKLOAD_POLICIES[p.name]))];
  issues.add(RuleId.NODE_ROLE_WORKLOAD_POLICY, 'Properties.ManagedPolicyArns', 'ManagedPolicyArns',
    `hold ${names.join(' and ')} on a node role (${usedAs}): anything that reaches the node's credentials can ${gives.join(', and ')}`);
}
