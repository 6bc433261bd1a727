import { Finding } from '../finding';
import { FailOn, isFailing } from '../options';
import { Severity } from '../severity';

/** What an audit of files found: the input of every report format. */
export interface AuditReport {
  /** Every finding, acknowledged ones included. */
  readonly findings: Finding[];
  /** What was checked, counted by kind (e.g. `AWS::EC2::LaunchTemplate`, `Pod`). */
  readonly checked: { [kind: string]: number };
  /** The template and manifest files that were read, in the order they were audited. */
  readonly files: string[];
}

/** The counts every report ends with. */
export interface ReportSummary {
  /** Errors that are not acknowledged. */
  readonly errors: number;
  /** Warnings that are not acknowledged. */
  readonly warnings: number;
  /** Acknowledged findings (any severity). */
  readonly acknowledged: number;
  /** All findings. */
  readonly total: number;
  /** Findings at or above the `failOn` threshold (acknowledged ones never count). */
  readonly failing: number;
  /** The threshold the run was judged against. */
  readonly failOn: FailOn;
  /** Whether anything is at or above the threshold. */
  readonly failed: boolean;
  /** What was checked, counted by kind. */
  readonly checked: { [kind: string]: number };
  /** Total number of resources and objects checked. */
  readonly checkedTotal: number;
  /** The files that were read. */
  readonly files: string[];
}

/** Counts the findings of a report against a `--fail-on` threshold. */
export function summarize(report: AuditReport, failOn: FailOn = 'error'): ReportSummary {
  const open = report.findings.filter((f) => !f.acknowledged);
  const failing = report.findings.filter((f) => isFailing(f, failOn)).length;
  return {
    errors: open.filter((f) => f.severity === Severity.ERROR).length,
    warnings: open.filter((f) => f.severity === Severity.WARNING).length,
    acknowledged: report.findings.length - open.length,
    total: report.findings.length,
    failing,
    failOn,
    failed: failing > 0,
    checked: sortedCounts(report.checked),
    checkedTotal: Object.values(report.checked).reduce((a, b) => a + b, 0),
    files: [...report.files],
  };
}

/** Whether any finding of the report is at or above the threshold. */
export function reportFails(report: AuditReport, failOn: FailOn): boolean {
  return report.findings.some((f) => isFailing(f, failOn));
}

function sortedCounts(counts: { [kind: string]: number }): { [kind: string]: number } {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
