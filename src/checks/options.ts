import { CheckerOptions } from './checker-options';
import { Finding } from './finding';
import { RuleCatalogue, RuleCategory, RuleId } from './rules';
import { Severity } from './severity';

export type { CheckerOptions } from './checker-options';

/** Throws a clear error when the options name a rule that does not exist or a bad severity. */
export function validateCheckerOptions(options: CheckerOptions, what: string): void {
  const check = (prop: string, ids: string[] | undefined) => {
    for (const id of ids ?? []) {
      if (!RuleCatalogue.has(id)) {
        throw new Error(
          `${what}: ${prop} names an unknown rule id '${id}'. Use one of: ${RuleCatalogue.all().map((r) => r.id).join(', ')}.`,
        );
      }
    }
  };
  check('rules', options.rules);
  check('disabledRules', options.disabledRules);
  const keys = Object.keys(options.severityOverrides ?? {});
  check('severityOverrides', keys.filter((k) => !k.startsWith(UNVERIFIABLE_PREFIX)));
  for (const key of keys.filter((k) => k.startsWith(UNVERIFIABLE_PREFIX))) {
    const of = key.slice(UNVERIFIABLE_PREFIX.length);
    if (!RuleCatalogue.has(of) && !RuleCategory.all().includes(of)) {
      throw new Error(
        `${what}: severityOverrides key '${key}' names neither a rule nor a category after '${UNVERIFIABLE_PREFIX}'. ` +
        `Use '${UNVERIFIABLE_PREFIX}<category>' with one of ${RuleCategory.all().join(', ')} (e.g. '${UNVERIFIABLE_PREFIX}${RuleCategory.IMDS}'), ` +
        `or '${UNVERIFIABLE_PREFIX}<rule id>' (RuleId.unverifiableOf()).`,
      );
    }
  }
  const severities = Object.values(Severity) as string[];
  for (const [prop, value] of [['severity', options.severity], ...Object.entries(options.severityOverrides ?? {})]) {
    if (value !== undefined && !severities.includes(value as string)) {
      throw new Error(`${what}: severity '${String(value)}' for ${prop} is not valid. Use one of: ${severities.join(', ')}.`);
    }
  }
}

const UNVERIFIABLE_PREFIX = `${RuleId.UNVERIFIABLE}:`;

/**
 * Drops findings of rules that are not selected (an `Unverifiable` finding also goes when the rule
 * that could not decide is disabled) and applies severity overrides: for an `Unverifiable`
 * finding, `Unverifiable:<deciding rule>` wins over `Unverifiable:<category>`, which wins over
 * `Unverifiable`; then `severity`, then the rule's default.
 */
export function applyCheckerOptions(findings: Finding[], options: CheckerOptions = {}): Finding[] {
  const disabled = new Set(options.disabledRules ?? []);
  const only = options.rules === undefined ? undefined : new Set(options.rules);
  const overrides = new Map(Object.entries(options.severityOverrides ?? {}));
  const selected = (f: Finding) => (only === undefined || only.has(f.ruleId)) && !disabled.has(f.ruleId) &&
    !(f.decidingRuleId !== undefined && disabled.has(f.decidingRuleId));
  return findings
    .filter(selected)
    .map((f) => {
      const unknown = f.ruleId === RuleId.UNVERIFIABLE
        ? (f.decidingRuleId !== undefined ? overrides.get(UNVERIFIABLE_PREFIX + f.decidingRuleId) : undefined) ??
          overrides.get(UNVERIFIABLE_PREFIX + (f.category ?? RuleCategory.IMDS))
        : undefined;
      const severity = unknown ?? overrides.get(f.ruleId) ?? options.severity ?? f.severity;
      return severity === f.severity ? f : { ...f, severity };
    });
}

/** The threshold at which findings fail a run (`--fail-on`). */
export type FailOn = 'error' | 'warning' | 'never';

/** Whether a finding counts against the threshold (acknowledged findings never do). */
export function isFailing(finding: Finding, failOn: FailOn): boolean {
  if (finding.acknowledged || failOn === 'never') {
    return false;
  }
  return failOn === 'warning' ? true : finding.severity === Severity.ERROR;
}
