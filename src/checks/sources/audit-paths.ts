import * as path from 'path';
import { auditKubernetesObjects, auditTemplate, AuditResult, mergeResults } from '../engine';
import { Candidate, isPlainObject, own, TemplateContext } from '../engine/values';
import { applyCheckerOptions, CheckerOptions, validateCheckerOptions } from '../options';
import { LoadedInput, loadPath } from './load';
import { AuditReport } from '../report/audit-report';

/**
 * Audits cloud assemblies, CloudFormation templates and Kubernetes manifests on disk: loads every
 * path (all of them first, so unreadable input fails before any audit), runs the engine on each
 * template and manifest, and applies the checker options.
 *
 * The single place that wires the loaders to the engine, shared by the CLI, the policy-validation
 * plugin and the audit API.
 *
 * @throws InputError when a path cannot be read or understood
 */
export function auditPaths(paths: string[], options: CheckerOptions = {}): AuditReport {
  validateCheckerOptions(options, 'auditPaths');
  const seen = new Set<string>();
  const inputs = paths
    .flatMap((p) => loadPath(p))
    // A template named twice (`cdk.out` and `cdk.out/X.template.json`) is audited once.
    .filter((input) => {
      const key = path.resolve(input.file);
      return seen.has(key) ? false : (seen.add(key), true);
    });
  return auditInputs(inputs, options);
}

/**
 * What a parent template passes to its nested stack's parameters (the stack resource's
 * `Parameters`), each evaluated in the parent, where its intrinsics mean something.
 */
function parentParameters(parent: { template: unknown; logicalId: string }): Map<string, Candidate[]> {
  const ctx = new TemplateContext(parent.template);
  const passed = own(own(ctx.resource(parent.logicalId), 'Properties'), 'Parameters');
  const result = new Map<string, Candidate[]>();
  if (isPlainObject(passed)) {
    for (const [name, value] of Object.entries(passed)) {
      result.set(name, ctx.evaluate(value));
    }
  }
  return result;
}

/** Runs the engine on inputs that are already loaded and applies the checker options. */
export function auditInputs(inputs: LoadedInput[], options: CheckerOptions = {}): AuditReport {
  const results: AuditResult[] = inputs.map((input) =>
    input.kind === 'template'
      ? auditTemplate(input.template, {
        file: input.file,
        stack: input.stack,
        constructPaths: input.constructPaths,
        constructTypes: input.constructTypes,
        scopedAcknowledgements: input.scopedAcknowledgements,
        nestedStacks: input.nestedStacks,
        parameterOverrides: input.parent ? parentParameters(input.parent) : undefined,
      })
      : auditKubernetesObjects(input.objects, { file: input.file }),
  );
  const merged = mergeResults(results);
  return {
    findings: applyCheckerOptions(merged.findings, options),
    checked: merged.checked,
    files: [...new Set(inputs.map((i) => i.file))],
  };
}
