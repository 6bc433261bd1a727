import { Severity } from './severity';

/**
 * Which rules run and how severe their findings are. Shared by the aspect, the validation plugin,
 * the audit API and the CLI.
 */
export interface CheckerOptions {
  /**
   * Run only these rules (rule ids, see `RuleId`).
   *
   * @default - every rule in the catalogue
   */
  readonly rules?: string[];
  /**
   * Never run these rules. Disabling a rule also drops the `Unverifiable` findings of values only
   * that rule needed (`Finding.decidingRuleId`).
   *
   * @default - none
   */
  readonly disabledRules?: string[];
  /**
   * Report every finding with this severity, e.g. `Severity.WARNING` while migrating a fleet from
   * hop limit 2. Per-rule `severityOverrides` win over it.
   *
   * @default - each rule's default severity
   */
  readonly severity?: Severity;
  /**
   * Severity per rule id, e.g. `{ Unverifiable: Severity.ERROR }` to fail on anything unknown.
   *
   * `Unverifiable` findings can also be keyed by what could not be decided:
   * `Unverifiable:<category>` (`RuleId.unverifiableOf(RuleCategory.IMDS)`, i.e. `Unverifiable:imds`)
   * fails on unknown IMDS values without failing on unknown IAM documents, and
   * `Unverifiable:<rule id>` (`Unverifiable:HopLimitAboveOne`) on the values one rule needs. The most
   * specific key wins: rule, then category, then `Unverifiable`.
   *
   * @default - each rule's default severity
   */
  readonly severityOverrides?: { [ruleId: string]: Severity };
}
