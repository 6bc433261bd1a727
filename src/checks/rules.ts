import { Severity } from './severity';

/**
 * Identifiers of the IMDS checker's rules (stable: they appear in annotations, reports,
 * acknowledgements and SARIF output).
 */
export class RuleId {
  /** The hop limit is, or in some branch can be, greater than 1. */
  public static readonly HOP_LIMIT_ABOVE_ONE = 'HopLimitAboveOne';
  /** The hop limit is left to a default that can be above 1. */
  public static readonly HOP_LIMIT_NOT_PINNED = 'HopLimitNotPinned';
  /** `HttpTokens: optional`: token-less IMDSv1 GETs are allowed and are not hop-limited. */
  public static readonly IMDS_V1_ALLOWED = 'ImdsV1Allowed';
  /** `HttpTokens` omitted where the default depends on the AMI or account. */
  public static readonly TOKENS_NOT_PINNED = 'TokensNotPinned';
  /** A managed node group without a launch template. */
  public static readonly NODEGROUP_DEFAULT_LAUNCH_TEMPLATE = 'NodegroupDefaultLaunchTemplate';
  /** A hop limit outside 1..64, not an integer, or not a JSON integer in a Kubernetes object. */
  public static readonly INVALID_HOP_LIMIT = 'InvalidHopLimit';
  /** The value is only known at deploy time. */
  public static readonly UNVERIFIABLE = 'Unverifiable';
  /** A workload with `hostNetwork: true` outside `kube-system`. */
  public static readonly HOST_NETWORK_POD = 'HostNetworkPod';
  /** An IRSA trust (web identity from an EKS OIDC provider) without a `:sub` condition. */
  public static readonly IRSA_TRUST_WITHOUT_SUBJECT = 'IrsaTrustWithoutSubject';
  /** An IRSA trust whose `:sub` condition is a `StringLike` pattern with wildcards. */
  public static readonly IRSA_TRUST_WILDCARD_SUBJECT = 'IrsaTrustWildcardSubject';
  /** A trust of `pods.eks.amazonaws.com` without `sts:TagSession`. */
  public static readonly POD_IDENTITY_TRUST_WITHOUT_TAG_SESSION = 'PodIdentityTrustWithoutTagSession';
  /** A trust of `pods.eks.amazonaws.com` with no session-tag or source condition. */
  public static readonly POD_IDENTITY_TRUST_UNSCOPED = 'PodIdentityTrustUnscoped';
  /** A node role holding `AmazonEKS_CNI_Policy` or `AmazonEC2ContainerRegistryReadOnly`. */
  public static readonly NODE_ROLE_WORKLOAD_POLICY = 'NodeRoleWorkloadPolicy';
  /** A Pod Identity or IRSA role whose policies allow `*` actions, or mutating actions on `*` without a condition. */
  public static readonly WORKLOAD_ROLE_WILDCARD = 'WorkloadRoleWildcard';

  private constructor() {}
}

/**
 * A rule of the IMDS checker, as documented in the catalogue.
 */
export interface RuleDefinition {
  /** The rule identifier. */
  readonly id: string;
  /** Severity when no override applies. */
  readonly defaultSeverity: Severity;
  /** One line: when the rule fires. */
  readonly summary: string;
  /** Why it matters. */
  readonly explanation: string;
  /** How to fix it, in CloudFormation's terms. */
  readonly fix: string;
  /**
   * How to fix it on a resource made by a known CDK construct, by the construct's jsii type
   * (`aws-cdk-lib.aws_ec2.LaunchTemplate`), in that construct's props.
   *
   * @default - `fix` applies whatever made the resource
   */
  readonly constructFixes?: { [constructFqn: string]: string };
}

const EC2_LAUNCH_TEMPLATE = 'aws-cdk-lib.aws_ec2.LaunchTemplate';
const EKS_NODEGROUPS = ['aws-cdk-lib.aws_eks_v2.Nodegroup', 'aws-cdk-lib.aws_eks.Nodegroup'];
const HOP_FIX_L2 =
  'Set `httpPutResponseHopLimit: 1` and `httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED` on the ec2.LaunchTemplate, ' +
  'and give workloads their own credentials through EKS Pod Identity or IRSA (`HardenedCluster.addPodIdentity()`).';
const TOKENS_FIX_L2 = 'Set `httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED` (or `requireImdsv2: true`) on the ec2.LaunchTemplate.';
const NODEGROUP_FIX_L2 =
  'Pass `launchTemplateSpec` to the Nodegroup, from an ec2.LaunchTemplate with `httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED` ' +
  'and `httpPutResponseHopLimit: 1`, or create the group with `HardenedCluster.addNodegroupCapacity()`, which builds that launch ' +
  'template. EKS replaces the node group (create the new one, drain, delete the old one).';

const CATALOGUE: readonly RuleDefinition[] = [
  {
    id: RuleId.HOP_LIMIT_ABOVE_ONE,
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
  },
  {
    id: RuleId.HOP_LIMIT_NOT_PINNED,
    defaultSeverity: Severity.ERROR,
    summary:
      'The hop limit is left to a default that can be above 1 (no MetadataOptions or no HttpPutResponseHopLimit, ' +
      'an AWS::NoValue branch, a Karpenter v1beta1 EC2NodeClass, v1alpha1 AWSNodeTemplate or v1alpha5 Provisioner provider without one).',
    explanation:
      'An omitted hop limit does not reliably mean 1: AMIs registered with ImdsSupport v2.0 (Amazon Linux 2023 among ' +
      'them) default to 2, account-level defaults can change it, and Karpenter v1beta1 / v1alpha1 defaulted to 2.',
    fix:
      'Write the hop limit out explicitly as 1 on every launch template, launch configuration, instance and ' +
      'node class.',
    constructFixes: { [EC2_LAUNCH_TEMPLATE]: HOP_FIX_L2 },
  },
  {
    id: RuleId.IMDS_V1_ALLOWED,
    defaultSeverity: Severity.ERROR,
    summary: '`HttpTokens` is `optional`: IMDSv1 is allowed.',
    explanation:
      'IMDSv1 GET requests need no token and are not hop-limited, so a hop limit of 1 alone blocks nothing: any ' +
      'pod can read the node role\'s credentials with a plain GET.',
    fix: 'Set `HttpTokens: required` (Karpenter `metadataOptions.httpTokens: required`).',
    constructFixes: { [EC2_LAUNCH_TEMPLATE]: TOKENS_FIX_L2 },
  },
  {
    id: RuleId.TOKENS_NOT_PINNED,
    defaultSeverity: Severity.ERROR,
    summary: '`HttpTokens` is omitted where the default depends on the AMI or the account (or, for a v1alpha1 ' +
      'AWSNodeTemplate, was `optional`).',
    explanation:
      'Without an explicit value, whether IMDSv1 is allowed depends on how the AMI was registered and on account ' +
      'defaults; a v1alpha1 AWSNodeTemplate with partial metadataOptions defaulted to optional.',
    fix: 'Write `HttpTokens: required` explicitly.',
    constructFixes: { [EC2_LAUNCH_TEMPLATE]: TOKENS_FIX_L2 },
  },
  {
    id: RuleId.NODEGROUP_DEFAULT_LAUNCH_TEMPLATE,
    defaultSeverity: Severity.ERROR,
    summary: 'An AWS::EKS::Nodegroup has no LaunchTemplate.',
    explanation:
      'EKS then generates a launch template whose hop limit is not under your control: 2 for Amazon Linux 2; the EKS ' +
      'docs contradict each other for AL2023 and say nothing for Bottlerocket and Windows. ' +
      'Such a node group cannot be moved to a custom launch template in place: it must be replaced.',
    fix:
      'Give the node group an explicit launch template with `MetadataOptions: {HttpTokens: required, ' +
      'HttpPutResponseHopLimit: 1}` (replace the node group: create the new one, drain, delete the old one).',
    constructFixes: Object.fromEntries(EKS_NODEGROUPS.map((fqn) => [fqn, NODEGROUP_FIX_L2])),
  },
  {
    id: RuleId.INVALID_HOP_LIMIT,
    defaultSeverity: Severity.ERROR,
    summary: 'The hop limit is outside 1..64, not an integer, or (in a Kubernetes object) not a JSON integer.',
    explanation:
      'EC2 rejects such a value at deploy time, and the Karpenter CRD rejects a non-integer; the intended setting ' +
      'never reaches the node.',
    fix: 'Use the integer 1.',
  },
  {
    id: RuleId.UNVERIFIABLE,
    defaultSeverity: Severity.WARNING,
    summary:
      'The value is only known at deploy time (a parameter without AllowedValues that are all 1, Fn::ImportValue, ' +
      'a dynamic reference, a launch template from outside the assembly, a token inside a manifest, a trust ' +
      'policy, policy, statement or action of a Pod Identity or IRSA role).',
    explanation:
      'Unknown is not a pass: nothing in the synthesized output proves the node is protected, or that the ' +
      'workload role is scoped to its service account and its own resources.',
    fix:
      'Use a literal value, constrain the parameter with `AllowedValues: [1]` (`[required]` for tokens), write ' +
      'the workload role\'s policies in the template, or acknowledge the finding with the reason the external ' +
      'value is known to be safe.',
  },
  {
    id: RuleId.HOST_NETWORK_POD,
    defaultSeverity: Severity.WARNING,
    summary: 'A workload (Pod, Deployment, DaemonSet, StatefulSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate) uses `hostNetwork: true` ' +
      'outside kube-system.',
    explanation:
      'A pod in the host network namespace is zero hops from IMDS, so the hop limit does not stop it from reading ' +
      'the node role\'s credentials.',
    fix:
      'Remove `hostNetwork: true`, or run the workload in kube-system only if it is a node component that needs ' +
      'the host network; give it its own credentials through Pod Identity.',
  },
  {
    id: RuleId.IRSA_TRUST_WITHOUT_SUBJECT,
    defaultSeverity: Severity.ERROR,
    summary:
      'A role lets an EKS OIDC provider assume it (`sts:AssumeRoleWithWebIdentity`) with no `<issuer>:sub` condition ' +
      '(or only one that matches everything). A federated principal only known at deploy time counts as an EKS OIDC ' +
      'provider. Reported on the role.',
    explanation:
      'The cluster\'s OIDC provider signs the token of every service account in the cluster. Without a condition on ' +
      'the token\'s subject, any pod, in any namespace, can trade its token for this role\'s credentials: IRSA then ' +
      'protects nothing the node role did not. A Federated principal the checker cannot see through (a parameter, an ' +
      'import, an attribute of a resource that is not an OIDC provider) is judged as if it were an EKS OIDC provider; ' +
      'an OIDC provider resource whose Url is a known non-EKS issuer, and a known non-EKS provider ARN, are not judged.',
    fix:
      'Add `StringEquals: {"<issuer>:sub": "system:serviceaccount:<namespace>:<service-account>", "<issuer>:aud": ' +
      '"sts.amazonaws.com"}` to the trust statement (aws-eks-v2 `ServiceAccount` writes it), or move the workload to ' +
      'EKS Pod Identity.',
  },
  {
    id: RuleId.IRSA_TRUST_WILDCARD_SUBJECT,
    defaultSeverity: Severity.WARNING,
    summary:
      'An IRSA trust matches `<issuer>:sub` only with `StringLike` patterns that hold wildcards (or values only known ' +
      'at deploy time). Reported on the role.',
    explanation:
      'A pattern such as `system:serviceaccount:apps:*` lets every service account the pattern matches assume the ' +
      'role, including ones created later by anyone who may create service accounts in that namespace. An exact ' +
      '`StringEquals` on `:sub` in the same statement pins the subject, so the statement then passes.',
    fix:
      'Use `StringEquals` with the exact `system:serviceaccount:<namespace>:<service-account>`; list several values ' +
      'if several service accounts need the role.',
  },
  {
    id: RuleId.POD_IDENTITY_TRUST_WITHOUT_TAG_SESSION,
    defaultSeverity: Severity.ERROR,
    summary:
      'A role trusts `pods.eks.amazonaws.com` but does not allow `sts:TagSession` to it (in every branch that can be ' +
      'deployed). Reported on the role.',
    explanation:
      'EKS Pod Identity assumes the role and tags the session (cluster, namespace, service account, pod) in one ' +
      'call. Without `sts:TagSession` in the trust policy that call is denied and the pods of the association get no ' +
      'credentials, which tends to end with the workload falling back to the node role.',
    fix:
      'Allow `["sts:AssumeRole", "sts:TagSession"]` to `pods.eks.amazonaws.com` (aws-cdk-lib: ' +
      '`new iam.SessionTagsPrincipal(new iam.ServicePrincipal("pods.eks.amazonaws.com"))`).',
  },
  {
    id: RuleId.POD_IDENTITY_TRUST_UNSCOPED,
    defaultSeverity: Severity.WARNING,
    summary:
      'A role trusts `pods.eks.amazonaws.com` with no session-tag condition (`aws:RequestTag/eks-cluster-arn`, ' +
      '`kubernetes-namespace`, `kubernetes-service-account`) and no `aws:SourceAccount` / `aws:SourceArn` condition. ' +
      'Reported on the role.',
    explanation:
      'Anyone who may create a Pod Identity association in the account (on any cluster, for any namespace and service ' +
      'account) can then hand this role to a pod: the trust policy does not say which workload the role is for. ' +
      'aws-eks-v2 `ServiceAccount` with `IdentityType.POD_IDENTITY` writes such a trust.',
    fix:
      'Condition the trust on the session tags EKS sets, e.g. `StringEquals: {"aws:RequestTag/eks-cluster-arn": ' +
      '<cluster ARN>, "aws:RequestTag/kubernetes-namespace": <namespace>, "aws:RequestTag/kubernetes-service-account": ' +
      '<name>, "aws:SourceAccount": <account>}` (this library\'s Pod Identity roles do).',
  },
  {
    id: RuleId.NODE_ROLE_WORKLOAD_POLICY,
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
  },
  {
    id: RuleId.WORKLOAD_ROLE_WILDCARD,
    defaultSeverity: Severity.WARNING,
    summary:
      'A Pod Identity or IRSA role (as its trust says) has a policy that allows every action (`*`, `service:*`, ' +
      '`NotAction`, or an AWS managed `AdministratorAccess` / `PowerUserAccess` / `*FullAccess` policy), or mutating ' +
      'actions (other than Get / List / Describe / Head) on `Resource: "*"` with no Condition. Reported on the role ' +
      'for inline policies and managed policy ARNs, on the policy resource for an attached AWS::IAM::Policy / ' +
      'ManagedPolicy / RolePolicy.',
    explanation:
      'Pod Identity and IRSA exist to give each workload only what it needs. A wildcard grant makes a compromised ' +
      'pod as powerful as the service (or account) allows, and the workload\'s blast radius is no longer visible in ' +
      'its policy.',
    fix:
      'List the actions the workload calls and scope them to its resources (e.g. `bucket.grantReadWrite(identity)`), ' +
      'or add a Condition that scopes a grant that must stay on `*`; acknowledge the finding with the reason when a ' +
      'service has no resource-level permissions for the action.',
  },
];

/**
 * The catalogue of the IMDS checker's rules: the single source for messages, SARIF rule metadata
 * and the README rule table.
 */
export class RuleCatalogue {
  /** Every rule, in catalogue order. */
  public static all(): RuleDefinition[] {
    return CATALOGUE.map((r) => ({ ...r }));
  }

  /**
   * The fix of a rule for a resource made by the construct of this jsii type: in that construct's
   * props where the catalogue has them, else in CloudFormation's terms.
   *
   * @param ruleId the rule
   * @param constructFqn the jsii type of the construct that made the resource, e.g. `aws-cdk-lib.aws_ec2.LaunchTemplate`
   */
  public static fixFor(ruleId: string, constructFqn?: string): string {
    const rule = RuleCatalogue.get(ruleId);
    const fixes = rule.constructFixes ? new Map(Object.entries(rule.constructFixes)) : undefined;
    return (constructFqn !== undefined ? fixes?.get(constructFqn) : undefined) ?? rule.fix;
  }

  /**
   * The rule with this id.
   *
   * @throws if there is no such rule
   */
  public static get(ruleId: string): RuleDefinition {
    const rule = CATALOGUE.find((r) => r.id === ruleId);
    if (!rule) {
      throw new Error(`Unknown IMDS checker rule id '${ruleId}'. Known rule ids: ${CATALOGUE.map((r) => r.id).join(', ')}.`);
    }
    return { ...rule };
  }

  /** Whether a rule with this id exists. */
  public static has(ruleId: string): boolean {
    return CATALOGUE.some((r) => r.id === ruleId);
  }

  private constructor() {}
}
