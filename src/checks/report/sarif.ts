import { createHash } from 'crypto';
import * as path from 'path';
import type { Location, Log, LogicalLocation, ReportingDescriptor, Result } from 'sarif';
import { Finding } from '../finding';
import { FailOn } from '../options';
import { RuleCatalogue, RuleCategory } from '../rules';
import { Severity } from '../severity';
import { AuditReport, summarize } from './audit-report';
import { SourceLocator } from './locate';
import { packageInfo } from './package-info';

/** Options of the SARIF report. */
export interface SarifReportOptions {
  /** The `--fail-on` threshold, recorded in the run's properties. Default `error`. */
  readonly failOn?: FailOn;
  /**
   * Reads a file's text, to point each result at a line (code scanning needs one). Without it,
   * or when the finding cannot be found in the text, results point at line 1.
   */
  readonly readSource?: (file: string) => string | undefined;
  /** Absolute file paths are written relative to this directory. Default: the current directory. */
  readonly baseDir?: string;
}

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** The SARIF tag of each rule category (code scanning shows tags; `iam` is the word it knows). */
const SARIF_TAG = new Map([[RuleCategory.IMDS, 'imds'], [RuleCategory.IDENTITY, 'iam'], [RuleCategory.ADDON, 'addon']]);
const FINGERPRINT = 'cdkHardenedEksFinding/v1';

/**
 * The report as a SARIF 2.1.0 log fit for GitHub code scanning: one run, the rule catalogue as
 * the driver's rules, one result per finding with its file, line and logical locations
 * (resource logical id, object `Kind/name`); acknowledged findings carry an external
 * suppression with the written reason.
 */
export function toSarifLog(report: AuditReport, options: SarifReportOptions = {}): Log {
  const pkg = packageInfo();
  const catalogue = RuleCatalogue.all();
  const rules: ReportingDescriptor[] = catalogue.map((rule) => ({
    id: rule.id,
    name: rule.id,
    shortDescription: { text: rule.summary },
    fullDescription: { text: rule.explanation },
    help: { text: rule.fix, markdown: rule.fix },
    helpUri: `${pkg.homepage}#rules`,
    defaultConfiguration: { level: level(rule.defaultSeverity) },
    properties: {
      'tags': ['security', SARIF_TAG.get(rule.category) ?? rule.category, 'eks'],
      'category': rule.category,
      'precision': 'high',
      'problem.severity': level(rule.defaultSeverity),
      'security-severity': rule.defaultSeverity === Severity.ERROR ? '8.0' : '5.0',
    },
  }));
  // Each file is read and parsed once, however many findings it has, and its parse is dropped as
  // soon as its findings are placed (a parse holds many times the file's size).
  const lines = new Map<Finding, number | undefined>();
  const byFile = new Map<string, Finding[]>();
  for (const f of report.findings) {
    if (f.file) {
      const list = byFile.get(f.file);
      if (list) {
        list.push(f);
      } else {
        byFile.set(f.file, [f]);
      }
    }
  }
  for (const [file, findings] of byFile) {
    let text: string | undefined;
    try {
      text = options.readSource?.(file);
    } catch {
      text = undefined;
    }
    const locator = text === undefined ? undefined : new SourceLocator(text);
    for (const f of findings) {
      lines.set(f, locator?.line(f));
    }
  }
  const baseDir = options.baseDir ?? process.cwd();
  const results: Result[] = report.findings.map((f) => {
    const index = catalogue.findIndex((r) => r.id === f.ruleId);
    const result: Result = {
      ruleId: f.ruleId,
      ...(index >= 0 ? { ruleIndex: index } : {}),
      level: level(f.severity),
      message: { text: messageOf(f) },
      locations: [locationOf(f, baseDir, lines.get(f))],
      partialFingerprints: { [FINGERPRINT]: fingerprint(f) },
      properties: {
        fix: f.fix,
        ...(f.category ? { category: f.category } : {}),
        ...(f.decidingRuleId ? { decidingRuleId: f.decidingRuleId } : {}),
        ...(f.property ? { property: f.property } : {}),
        ...(f.constructPath ? { constructPath: f.constructPath } : {}),
        ...(f.stack ? { stack: f.stack } : {}),
      },
    };
    if (f.acknowledged) {
      result.suppressions = [{ kind: 'external', status: 'accepted', justification: f.acknowledgedReason ?? '' }];
    }
    return result;
  });
  const summary = summarize(report, options.failOn ?? 'error');
  return {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: pkg.name,
            version: pkg.version,
            semanticVersion: pkg.version,
            informationUri: pkg.homepage,
            rules,
          },
        },
        artifacts: report.files.map((file) => ({
          location: { uri: uriOf(file, baseDir) },
          roles: ['analysisTarget'],
        })),
        invocations: [{ executionSuccessful: true }],
        columnKind: 'utf16CodeUnits',
        results,
        properties: {
          checked: summary.checked,
          errors: summary.errors,
          warnings: summary.warnings,
          acknowledged: summary.acknowledged,
          failOn: summary.failOn,
          failed: summary.failed,
        },
      },
    ],
  };
}

/** The SARIF log as text. */
export function formatSarif(report: AuditReport, options: SarifReportOptions = {}): string {
  return JSON.stringify(toSarifLog(report, options), undefined, 2);
}

function level(severity: Severity): 'error' | 'warning' {
  return severity === Severity.ERROR ? 'error' : 'warning';
}

function messageOf(f: Finding): string {
  const subject = [f.stack && f.resource ? `${f.stack}/${f.resource}` : f.resource, f.kubernetesObject].filter((s) => s).join(' > ');
  return subject ? `${subject}: ${f.message}` : f.message;
}

function locationOf(f: Finding, baseDir: string, line: number | undefined): Location {
  const logicalLocations: LogicalLocation[] = [];
  if (f.resource) {
    logicalLocations.push({
      name: f.resource,
      fullyQualifiedName: f.stack ? `${f.stack}/${f.resource}` : f.resource,
      kind: 'resource',
    });
  }
  if (f.constructPath) {
    // The construct the resource came from, as a CDK user names it.
    logicalLocations.push({ name: f.constructPath.split('/').pop(), fullyQualifiedName: f.constructPath, kind: 'module' });
  }
  if (f.kubernetesObject) {
    logicalLocations.push({
      name: f.kubernetesObject,
      fullyQualifiedName: f.resource ? `${f.resource}/${f.kubernetesObject}` : f.kubernetesObject,
      kind: 'object',
    });
  }
  const logical = logicalLocations.length > 0 ? { logicalLocations } : {};
  if (!f.file) {
    return logical; // an in-memory input: nothing on disk to point at
  }
  const startLine = line ?? 1;
  return {
    physicalLocation: {
      artifactLocation: { uri: uriOf(f.file, baseDir) },
      region: { startLine },
    },
    ...logical,
  };
}

/** A relative URI reference with forward slashes, each segment percent-encoded. */
export function uriOf(file: string, baseDir: string): string {
  const relative = path.isAbsolute(file) ? path.relative(baseDir, file) : file;
  return relative
    .split(/[\\/]+/)
    .filter((segment, i) => !(segment === '.' && i === 0))
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/** Stable across runs and line moves: what the finding is about, not where the line is. */
function fingerprint(f: Finding): string {
  const key = [f.ruleId, f.file, f.stack, f.resource, f.kubernetesObject, f.property].map((s) => s ?? '').join('\u0000');
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}
