import { IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport, PolicyViolation } from 'aws-cdk-lib';
import { CheckerOptions } from './checker-options';
import { CHECKER_NAMESPACE } from './engine/scoped-acknowledgements';
import { append } from './engine/values';
import { Finding } from './finding';
import { validateCheckerOptions } from './options';
import { summarize } from './report/audit-report';
import { packageInfo } from './report/package-info';
import { findingSentence } from './report/sentence';
import { RuleCatalogue } from './rules';
import { auditInputs } from './sources/audit-paths';
import { assemblyContextOf, LoadedTemplate, loadFile } from './sources/load';

/**
 * Whether the aspect already put this finding on a construct, as an annotation `[RuleId] ...`:
 * - a finding about the whole template, on the stack;
 * - an object of a manifest, on the construct that owns the manifest resource (one above it),
 *   naming the object;
 * - any other finding, on the resource's own construct.
 */
function annotatedByAspect(f: Finding, annotations: ReadonlyArray<{ path: string; text: string }>): boolean {
  const at = f.resource === undefined ? f.stack : f.constructPath;
  if (at === undefined) {
    return false;
  }
  const placed = (path: string) => (f.kubernetesObject === undefined ? path === at : at === path || at.startsWith(`${path}/`));
  return annotations.some((a) => a.text.startsWith(`[${f.ruleId}] `) && placed(a.path) &&
    (f.kubernetesObject === undefined || a.text.includes(f.kubernetesObject)));
}

/**
 * Options of the `ImdsHopLimitValidationPlugin`.
 */
export interface ImdsHopLimitValidationPluginProps extends CheckerOptions {}

/**
 * A CDK policy-validation plugin running the IMDS checker on the synthesized templates.
 *
 * Because it reads the templates as written to the cloud assembly, nothing done to the construct
 * tree (escape hatches, third-party constructs, aspects) can hide a hop limit from it.
 * Register it with `Validations.of(app).addPlugins(new ImdsHopLimitValidationPlugin())`.
 */
export class ImdsHopLimitValidationPlugin implements IPolicyValidationPlugin {
  public readonly name = CHECKER_NAMESPACE;
  public readonly version?: string = packageInfo().version;
  public readonly ruleIds?: string[];
  private readonly options: CheckerOptions;

  constructor(props: ImdsHopLimitValidationPluginProps = {}) {
    validateCheckerOptions(props, 'ImdsHopLimitValidationPlugin');
    this.options = props;
    this.ruleIds = RuleCatalogue.all().map((r) => r.id);
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    // `stackTemplates` is newer than `templatePaths` (aws-cdk-lib < 2.25x hands over the paths only).
    const stackOf = new Map((context.stackTemplates ?? []).map((s) => [s.templatePath, s.stackConstructPath]));
    // CDK hands over the top-level templates only: follow their nested stacks from the assembly
    // (once each, should a later CDK hand those over too).
    const seen = new Set<string>();
    const annotations: Array<{ path: string; text: string }> = [];
    const cache = new Map<string, unknown>();
    const inputs = context.templatePaths.flatMap((templatePath) => {
      const top = stackOf.get(templatePath);
      const { annotations: written, ...assembly } = assemblyContextOf(templatePath, cache);
      append(annotations, written ?? []);
      return loadFile(templatePath)
        .filter((input): input is LoadedTemplate => input.kind === 'template' && !seen.has(input.file) && !!seen.add(input.file))
        .map((input) => input.file === templatePath
          ? { ...input, ...assembly, stack: top ?? input.stack }
          // A nested stack's logical ids are its own: only the construct acknowledgements apply to it.
          : { ...input, scopedAcknowledgements: assembly.scopedAcknowledgements, stack: [top, input.stack].filter(Boolean).join('/') });
    });
    const audited = auditInputs(inputs, this.options);
    // With the aspect on too, each finding is reported once: by the aspect, whose annotations this
    // synthesis wrote into the cloud assembly.
    const findings = audited.findings.filter((f) => !annotatedByAspect(f, annotations));
    const report = { ...audited, findings };
    const violations: PolicyViolation[] = findings.map((f) => ({
      ruleName: f.ruleId,
      description: findingSentence(f),
      fix: f.fix,
      severity: f.acknowledged ? 'info' : f.severity,
      ruleMetadata: {
        summary: RuleCatalogue.get(f.ruleId).summary,
        ...(f.acknowledged ? { acknowledged: 'true', acknowledgedReason: f.acknowledgedReason ?? '' } : {}),
      },
      violatingResources: [{
        resourceLogicalId: f.resource ?? '',
        templatePath: f.file ?? '',
        locations: [f.property ?? 'Properties'],
      }],
    }));
    const summary = summarize(report, 'error');
    return {
      success: !summary.failed,
      violations,
      pluginVersion: this.version,
      metadata: {
        errors: String(summary.errors),
        warnings: String(summary.warnings),
        acknowledged: String(summary.acknowledged),
      },
    };
  }
}
