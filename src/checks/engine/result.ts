import type { ScopedAcknowledgementLookup } from './scoped-acknowledgements';
import { append, Candidate, Counter } from './values';
import { Finding } from '../finding';

/**
 * What one audit looked at, counted by kind (e.g. `AWS::EC2::LaunchTemplate`,
 * `karpenter.k8s.aws/v1 EC2NodeClass`, `Pod`), plus the findings.
 */
export interface AuditResult {
  readonly findings: Finding[];
  readonly checked: { [kind: string]: number };
}

/** What the engine asks of a lookup by logical id (a `Map` is one; the aspect's works each entry out when asked). */
export interface ByLogicalId {
  get(logicalId: string): string | undefined;
}

/** Where the audited input came from, copied onto every finding. */
export interface AuditSource {
  /** File the template or manifest was read from. */
  readonly file?: string;
  /** Stack path in the cloud assembly. */
  readonly stack?: string;
  /**
   * Construct path of each resource, by logical id, when known from the construct tree or the cloud
   * assembly's metadata (a resource's own `aws:cdk:path` metadata is read as well).
   */
  readonly constructPaths?: ByLogicalId;
  /** The jsii type of the construct (an L2) that made each resource, by logical id, when known. */
  readonly constructTypes?: ByLogicalId;
  /**
   * The nested stacks (`AWS::CloudFormation::Stack` logical ids) whose templates are audited too;
   * any other nested stack is Unverifiable.
   */
  readonly nestedStacks?: ReadonlySet<string>;
  /** For a nested stack's template: what its parent passes to each parameter. */
  readonly parameterOverrides?: ReadonlyMap<string, Candidate[]>;
  /** Acknowledgements made on constructs (`Validations.of(scope).acknowledge()`). */
  readonly scopedAcknowledgements?: ScopedAcknowledgementLookup;
}

export function mergeResults(results: AuditResult[]): AuditResult {
  const checked = new Counter();
  const findings: Finding[] = [];
  for (const r of results) {
    append(findings, r.findings);
    for (const [k, n] of Object.entries(r.checked)) {
      checked.add(k, n);
    }
  }
  return { findings, checked: checked.toObject() };
}
