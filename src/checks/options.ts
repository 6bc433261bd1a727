import { CheckerOptions } from './checker-options';
import { Finding } from './finding';
import { RuleCatalogue } from './rules';
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
  check('severityOverrides', Object.keys(options.severityOverrides ?? {}));
  const severities = Object.values(Severity) as string[];
  for (const [prop, value] of [['severity', options.severity], ...Object.entries(options.severityOverrides ?? {})]) {
    if (value !== undefined && !severities.includes(value as string)) {
      throw new Error(`${what}: severity '${String(value)}' for ${prop} is not valid. Use one of: ${severities.join(', ')}.`);
    }
  }
}

/** Drops findings of rules that are not selected and applies severity overrides. */
export function applyCheckerOptions(findings: Finding[], options: CheckerOptions = {}): Finding[] {
  const selected = (id: string) =>
    (options.rules === undefined || options.rules.includes(id)) && !(options.disabledRules ?? []).includes(id);
  return findings
    .filter((f) => selected(f.ruleId))
    .map((f) => {
      const severity = options.severityOverrides?.[f.ruleId] ?? options.severity ?? f.severity;
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
