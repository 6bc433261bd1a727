import { Finding } from '../finding';
import { FailOn } from '../options';
import { Severity } from '../severity';
import { AuditReport, summarize } from './audit-report';
import { escapeControl } from './escape';
import { append } from '../engine/values';

/** Options of the text report. */
export interface TextReportOptions {
  /** The `--fail-on` threshold the verdict on the last line is judged against. Default `error`. */
  readonly failOn?: FailOn;
  /** Wrap messages at this many columns. Default 100. */
  readonly width?: number;
}

const LABEL_WIDTH = 'warning'.length;

/**
 * A human summary for a terminal: what was checked, each open finding grouped by file and stack
 * (`[RuleId]`, severity, resource, object, message and fix), acknowledged findings listed
 * separately with their reason, and a last line with the totals and the verdict.
 */
export function formatText(report: AuditReport, options: TextReportOptions = {}): string {
  const failOn = options.failOn ?? 'error';
  const width = options.width ?? 100;
  const summary = summarize(report, failOn);
  const out: string[] = [];

  out.push(`IMDS audit: ${count(summary.checkedTotal, 'resource or object', 'resources and objects')} checked in ${count(summary.files.length, 'file')}`);
  if (summary.files.length > 0) {
    out.push('', `Files (${summary.files.length}):`);
    append(out, summary.files.map((file) => `  ${escapeControl(file)}`));
  }
  out.push('', `Checked (${summary.checkedTotal}):`);
  for (const [kind, n] of Object.entries(summary.checked)) {
    out.push(`  ${String(n).padStart(4)}  ${kind}`);
  }
  if (summary.checkedTotal === 0) {
    out.push('  nothing the IMDS rules apply to (no launch templates, launch configurations, instances,');
    out.push('  node groups, node classes or workloads)');
  }

  const open = report.findings.filter((f) => !f.acknowledged);
  const acknowledged = report.findings.filter((f) => f.acknowledged);
  if (open.length > 0) {
    out.push('', `Findings (${open.length}):`);
    append(out, groups(open, width, false));
  }
  if (acknowledged.length > 0) {
    out.push('', `Acknowledged (${acknowledged.length}; reported, never failing):`);
    append(out, groups(acknowledged, width, true));
  }

  // The verdict never contradicts the counts: open errors under `--fail-on never` are not a PASS.
  const openErrors = summary.errors > 0 || (failOn === 'never' && summary.warnings > 0);
  const verdict = summary.failed ? 'FAIL' : openErrors ? 'NOT ENFORCED' : 'PASS';
  const threshold = failOn === 'never' ? '--fail-on never' : `--fail-on ${failOn}`;
  out.push(
    '',
    `${verdict}: ${count(summary.errors, 'error')}, ${count(summary.warnings, 'warning')}, ` +
      `${summary.acknowledged} acknowledged (${threshold})`,
  );
  return out.join('\n');
}

/** Findings grouped by file and stack, in order of first appearance, errors first in a group. */
function groups(findings: Finding[], width: number, acknowledged: boolean): string[] {
  const byPlace = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = place(f);
    const group = byPlace.get(key);
    if (group) {
      group.push(f);
    } else {
      byPlace.set(key, [f]);
    }
  }
  const out: string[] = [];
  for (const [key, group] of byPlace) {
    out.push('', key);
    const sorted = [...group].sort((a, b) => rank(a.severity) - rank(b.severity));
    for (const f of sorted) {
      append(out, finding(f, width, acknowledged));
    }
  }
  return out;
}

function finding(f: Finding, width: number, acknowledged: boolean): string[] {
  const indent = ' '.repeat(2 + LABEL_WIDTH + 1);
  const subject = escapeControl([f.resource, f.kubernetesObject].filter((s) => s).join(' > ') || '(whole input)');
  // A CDK user thinks in construct paths: show it next to the logical id.
  const construct = f.constructPath ? ` (construct ${escapeControl(f.constructPath)})` : '';
  const out = [`  ${f.severity.padEnd(LABEL_WIDTH)} [${f.ruleId}] ${subject}${construct}`];
  if (f.property) {
    out.push(`${indent}at ${escapeControl(f.property)}`);
  }
  out.push(...wrap(escapeControl(f.message), indent, width));
  if (acknowledged) {
    out.push(...wrap(`acknowledged: ${escapeControl(f.acknowledgedReason ?? '(no reason given)')}`, indent, width));
  } else {
    out.push(...wrap(`fix: ${f.fix}`, indent, width));
  }
  return out;
}

function place(f: Finding): string {
  const file = escapeControl(f.file ?? '(in-memory input)');
  return f.stack ? `${file} (stack ${escapeControl(f.stack)})` : file;
}

function rank(severity: Severity): number {
  return severity === Severity.ERROR ? 0 : 1;
}

/** Word-wraps text to `width` columns, every line starting with `indent`. */
function wrap(text: string, indent: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter((w) => w !== '')) {
      if (line && indent.length + line.length + 1 + word.length > width) {
        lines.push(indent + line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    lines.push(indent + line);
  }
  return lines;
}

function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
