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
  /** How to fix it. */
  readonly fix: string;
}

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
  },
  {
    id: RuleId.HOP_LIMIT_NOT_PINNED,
    defaultSeverity: Severity.ERROR,
    summary:
      'The hop limit is left to a default that can be above 1 (no MetadataOptions or no HttpPutResponseHopLimit, ' +
      'an AWS::NoValue branch, a Karpenter v1beta1 EC2NodeClass or v1alpha1 AWSNodeTemplate without one).',
    explanation:
      'An omitted hop limit does not reliably mean 1: AMIs registered with ImdsSupport v2.0 (Amazon Linux 2023 among ' +
      'them) default to 2, account-level defaults can change it, and Karpenter v1beta1 / v1alpha1 defaulted to 2.',
    fix:
      'Write the hop limit out explicitly as 1 on every launch template, launch configuration, instance and ' +
      'node class.',
  },
  {
    id: RuleId.IMDS_V1_ALLOWED,
    defaultSeverity: Severity.ERROR,
    summary: '`HttpTokens` is `optional`: IMDSv1 is allowed.',
    explanation:
      'IMDSv1 GET requests need no token and are not hop-limited, so a hop limit of 1 alone blocks nothing: any ' +
      'pod can read the node role\'s credentials with a plain GET.',
    fix: 'Set `HttpTokens: required` (Karpenter `metadataOptions.httpTokens: required`).',
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
  },
  {
    id: RuleId.NODEGROUP_DEFAULT_LAUNCH_TEMPLATE,
    defaultSeverity: Severity.ERROR,
    summary: 'An AWS::EKS::Nodegroup has no LaunchTemplate.',
    explanation:
      'EKS then generates a launch template whose hop limit is not under your control (2 for Amazon Linux 2). ' +
      'Such a node group cannot be moved to a custom launch template in place: it must be replaced.',
    fix:
      'Give the node group an explicit launch template with `MetadataOptions: {HttpTokens: required, ' +
      'HttpPutResponseHopLimit: 1}` (replace the node group: create the new one, drain, delete the old one).',
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
      'a dynamic reference, a launch template from outside the assembly, a token inside a manifest).',
    explanation: 'Unknown is not a pass: nothing in the synthesized output proves the node is protected.',
    fix:
      'Use a literal value, constrain the parameter with `AllowedValues: [1]` (`[required]` for tokens), or ' +
      'acknowledge the finding with the reason the external value is known to be safe.',
  },
  {
    id: RuleId.HOST_NETWORK_POD,
    defaultSeverity: Severity.WARNING,
    summary: 'A workload (Pod, Deployment, DaemonSet, StatefulSet, ReplicaSet, Job, CronJob) uses `hostNetwork: true` ' +
      'outside kube-system.',
    explanation:
      'A pod in the host network namespace is zero hops from IMDS, so the hop limit does not stop it from reading ' +
      'the node role\'s credentials.',
    fix:
      'Remove `hostNetwork: true`, or run the workload in kube-system only if it is a node component that needs ' +
      'the host network; give it its own credentials through Pod Identity.',
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
