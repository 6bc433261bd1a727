import { Severity } from '../severity';

/**
 * What a rule is about: the instance metadata service, workload and node identities, or add-ons.
 */
export class RuleCategory {
  /** Instance metadata settings of nodes and workloads (hop limit, tokens, host network). */
  public static readonly IMDS = 'imds';
  /** IAM identities of workloads and nodes (IRSA and Pod Identity trusts, node roles, wildcards). */
  public static readonly IDENTITY = 'identity';
  /** Add-ons and Helm charts that must be told what they would otherwise ask IMDS for. */
  public static readonly ADDON = 'addon';

  /** Every category. */
  public static all(): string[] {
    return [RuleCategory.IMDS, RuleCategory.IDENTITY, RuleCategory.ADDON];
  }

  private constructor() {}
}

/**
 * What a rule judges: the CloudFormation resource types and Kubernetes kinds whose findings it
 * reports.
 */
export interface RuleJudges {
  /** CloudFormation resource types, e.g. `AWS::EC2::LaunchTemplate`. */
  readonly resourceTypes: string[];
  /**
   * Kubernetes kinds as `group/Kind` (`karpenter.k8s.aws/EC2NodeClass`), or `Kind` alone for the
   * core group (`Pod`), found in kubectl manifests, patches, Helm values and manifest files.
   */
  readonly kubernetesKinds: string[];
}

/**
 * A rule of the IMDS checker, as documented in the catalogue.
 */
export interface RuleDefinition {
  /** The rule identifier. */
  readonly id: string;
  /** What the rule is about (see `RuleCategory`). */
  readonly category: string;
  /** The resource types and Kubernetes kinds the rule judges. */
  readonly judges: RuleJudges;
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
