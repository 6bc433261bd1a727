import { Severity } from './severity';

/**
 * One problem the IMDS checker found.
 *
 * The shape is the checker contract: `ruleId`, `severity`, `resource` (CloudFormation logical id),
 * `object` (`Kind/name` for a Kubernetes object), `message` and `fix`.
 */
export interface Finding {
  /** Rule identifier, e.g. `HopLimitAboveOne` (see `RuleCatalogue`). */
  readonly ruleId: string;
  /** Effective severity, after any severity override. */
  readonly severity: Severity;
  /**
   * What the finding is about (`RuleCategory`: `imds`, `identity`, `addon`): its rule's category,
   * or for an `Unverifiable` finding the category of the rule that could not decide (`imds` when no
   * rule could, e.g. a macro rewrites the template), so that unknown IMDS values can fail a run
   * while unknown IAM documents only warn.
   *
   * @default - `imds` (the checker always sets it; a finding written by hand may leave it out)
   */
  readonly category?: string;
  /**
   * For an `Unverifiable` finding: the rule that could not decide because the value is only known
   * at deploy time (e.g. `HopLimitAboveOne` for an unknown hop limit, `WorkloadRoleWildcard` for an
   * imported policy). The message names it too.
   *
   * @default - not an Unverifiable finding, or no single rule could decide (a macro, a template
   * that is not in the assembly, an object whose kind is only known at deploy time)
   */
  readonly decidingRuleId?: string;
  /**
   * CloudFormation logical id of the resource. For an object inside a manifest, the id of the
   * resource that carries the manifest.
   *
   * @default - the object was read from a Kubernetes manifest file, not from a template
   */
  readonly resource?: string;
  /**
   * `Kind/name` of the Kubernetes object the finding is about.
   *
   * @default - the finding is about a CloudFormation resource itself
   */
  readonly kubernetesObject?: string;
  /** What is wrong, with the offending value. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
  /**
   * The file the finding comes from (template or manifest path).
   *
   * @default - the input was an in-memory template or object
   */
  readonly file?: string;
  /**
   * Where in the resource or object the problem sits, as a dotted path
   * (e.g. `Properties.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit`).
   *
   * @default - the whole resource or object
   */
  readonly property?: string;
  /**
   * Construct path of the resource (`Stack/Cluster/Nodegroup/Resource`), from the construct tree or
   * the cloud assembly's metadata, when the template came from CDK.
   *
   * @default - not known (a template not made by CDK, or one synthesized without path metadata)
   */
  readonly constructPath?: string;
  /**
   * Path of the stack in the cloud assembly (`Stage/Stack`), when known.
   *
   * @default - not read from a cloud assembly
   */
  readonly stack?: string;
  /**
   * Whether the finding was acknowledged (it no longer fails anything, but stays in every report).
   *
   * @default false
   */
  readonly acknowledged?: boolean;
  /**
   * The written reason given when the finding was acknowledged.
   *
   * @default - not acknowledged
   */
  readonly acknowledgedReason?: string;
}
