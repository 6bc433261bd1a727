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
  /** A Helm release of an add-on known to ask IMDS whose values do not give what replaces it. */
  public static readonly ADDON_NEEDS_IMDS = 'AddonNeedsImds';
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

  /**
   * The `severityOverrides` key for the `Unverifiable` findings of one category (`imds`,
   * `identity`, `addon`) or of one rule: `Unverifiable:imds`, `Unverifiable:HopLimitAboveOne`.
   *
   * @param categoryOrRuleId a `RuleCategory` value or a rule id
   */
  public static unverifiableOf(categoryOrRuleId: string): string {
    return `${RuleId.UNVERIFIABLE}:${categoryOrRuleId}`;
  }

  private constructor() {}
}

