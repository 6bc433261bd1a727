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
   * Never run these rules.
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
   * @default - each rule's default severity
   */
  readonly severityOverrides?: { [ruleId: string]: Severity };
}
