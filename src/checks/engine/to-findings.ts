import { Issue } from './issues';
import { AuditSource } from './result';
import { Finding } from '../finding';
import { RuleCatalogue } from '../rules';

/** Where a finding sits. */
export interface FindingLocation extends AuditSource {
  readonly resource?: string;
  readonly object?: string;
  readonly constructPath?: string;
  /** The jsii type of the construct that made the resource (its L2), when known. */
  readonly constructType?: string;
}

/** Turns issues into findings with the catalogue's severity and fix, applying acknowledgements. */
export function toFindings(issues: Issue[], where: FindingLocation, acknowledgements: Map<string, string>): Finding[] {
  return issues.map((issue) => {
    const rule = RuleCatalogue.get(issue.ruleId);
    const reason = acknowledgements.get(issue.ruleId);
    // An unknown value is about the rule that could not decide: its category, and its name in the message.
    const deciding = issue.decides !== undefined ? RuleCatalogue.get(issue.decides) : undefined;
    const finding: Finding = {
      ruleId: issue.ruleId,
      severity: rule.defaultSeverity,
      category: (deciding ?? rule).category,
      ...(deciding ? { decidingRuleId: deciding.id } : {}),
      message: deciding ? `${issue.message} (${deciding.id} cannot decide)` : issue.message,
      fix: RuleCatalogue.fixFor(issue.ruleId, where.constructType),
      property: issue.path,
      ...(where.resource !== undefined ? { resource: where.resource } : {}),
      ...(where.object !== undefined ? { kubernetesObject: where.object } : {}),
      ...(where.file !== undefined ? { file: where.file } : {}),
      ...(where.stack !== undefined ? { stack: where.stack } : {}),
      ...(where.constructPath !== undefined ? { constructPath: where.constructPath } : {}),
      ...(reason !== undefined ? { acknowledged: true, acknowledgedReason: reason } : {}),
    };
    return finding;
  });
}
