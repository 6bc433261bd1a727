import { Issue } from './issues';
import { Finding } from '../finding';
import { fixOf, ruleDefinition } from '../rules/registry';

/** Where a finding sits (copied onto it). */
export interface FindingLocation {
  /** File the template or manifest was read from. */
  readonly file?: string;
  /** Stack path in the cloud assembly. */
  readonly stack?: string;
  readonly resource?: string;
  readonly object?: string;
  readonly constructPath?: string;
  /** The jsii type of the construct that made the resource (its L2), when known. */
  readonly constructType?: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Turns issues into findings with the catalogue's severity and fix, applying acknowledgements.
 * Optional fields are set only when present (in this order), without an object per field.
 */
export function toFindings(issues: Issue[], where: FindingLocation, acknowledgements: Map<string, string>): Finding[] {
  return issues.map((issue) => {
    const rule = ruleDefinition(issue.ruleId);
    const reason = acknowledgements.get(issue.ruleId);
    // An unknown value is about the rule that could not decide: its category, and its name in the message.
    const deciding = issue.decides !== undefined ? ruleDefinition(issue.decides) : undefined;
    const finding: Mutable<Finding> = {
      ruleId: issue.ruleId,
      severity: rule.defaultSeverity,
      category: (deciding ?? rule).category,
    } as Mutable<Finding>;
    if (deciding) {
      finding.decidingRuleId = deciding.id;
    }
    finding.message = deciding ? `${issue.message} (${deciding.id} cannot decide)` : issue.message;
    finding.fix = fixOf(issue.ruleId, where.constructType);
    finding.property = issue.path;
    if (where.resource !== undefined) {
      finding.resource = where.resource;
    }
    if (where.object !== undefined) {
      finding.kubernetesObject = where.object;
    }
    if (where.file !== undefined) {
      finding.file = where.file;
    }
    if (where.stack !== undefined) {
      finding.stack = where.stack;
    }
    if (where.constructPath !== undefined) {
      finding.constructPath = where.constructPath;
    }
    if (reason !== undefined) {
      finding.acknowledged = true;
      finding.acknowledgedReason = reason;
    }
    return finding;
  });
}
