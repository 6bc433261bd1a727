import { Finding } from '../finding';
import { FailOn } from '../options';
import { AuditReport, ReportSummary, summarize } from './audit-report';

/** One finding in the JSON report (the CLI contract: `ruleId`, `severity`, `file`, `resource`, `object`, `message`). */
export interface JsonFinding {
  readonly ruleId: string;
  readonly severity: string;
  /** The rule's category (`imds`, `identity`, `addon`); for `Unverifiable`, the deciding rule's. */
  readonly category?: string;
  /** For `Unverifiable`: the rule that could not decide; absent when no single rule could. */
  readonly decidingRuleId?: string;
  /** Absent when the input was not read from a file. */
  readonly file?: string;
  /** CloudFormation logical id; absent for an object read from a Kubernetes manifest file. */
  readonly resource?: string;
  /** `Kind/name` of a Kubernetes object; absent for a CloudFormation resource. */
  readonly object?: string;
  readonly message: string;
  readonly fix: string;
  /** Construct path of the resource (`aws:cdk:path`), when the template came from CDK. */
  readonly path?: string;
  /** Dotted path of the offending value inside the resource or object. */
  readonly property?: string;
  /** Stack path in the cloud assembly. */
  readonly stack?: string;
  readonly acknowledged: boolean;
  /** Present only on acknowledged findings. */
  readonly acknowledgedReason?: string;
}

/** The JSON report: `{"findings": [...], "summary": {...}}`. */
export interface JsonReport {
  readonly findings: JsonFinding[];
  readonly summary: ReportSummary;
}

/** The JSON report as an object. */
export function toJsonReport(report: AuditReport, failOn: FailOn = 'error'): JsonReport {
  return { findings: report.findings.map(toJsonFinding), summary: summarize(report, failOn) };
}

/** The JSON report as text: one object, pretty-printed. */
export function formatJson(report: AuditReport, failOn: FailOn = 'error'): string {
  return JSON.stringify(toJsonReport(report, failOn), undefined, 2);
}

function toJsonFinding(f: Finding): JsonFinding {
  // Fixed key order; absent values are left out, not set to undefined.
  return definedOnly({
    ruleId: f.ruleId,
    severity: f.severity,
    category: f.category,
    decidingRuleId: f.decidingRuleId,
    file: f.file,
    resource: f.resource,
    object: f.kubernetesObject,
    message: f.message,
    fix: f.fix,
    path: f.constructPath,
    property: f.property,
    stack: f.stack,
    acknowledged: f.acknowledged === true,
    acknowledgedReason: f.acknowledged ? f.acknowledgedReason : undefined,
  });
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
