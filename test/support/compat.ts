// The tests run on the newest aws-cdk-lib and on the lowest the library supports (2.251.0, see
// .ci/run): a few APIs differ between them.
import * as fs from 'fs';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

type Plugin = any;

const validations = (cdk as unknown as { Validations?: { prototype: { acknowledge?: unknown }; of(scope: IConstruct): any } }).Validations;

/**
 * Whether this aws-cdk-lib has native acknowledgements (`Validations.of(scope).acknowledge()`, which
 * its validation reports and cdk-nag 3 honour): not before 2.251.0, and 2.251.0's `Validations`
 * only adds plugins.
 */
export const HAS_NATIVE_ACKNOWLEDGEMENTS = typeof validations?.prototype.acknowledge === 'function';

/** Registers policy-validation plugins on an app or stage (`Validations` exists from the floor, 2.251.0, up). */
export function addPlugins(stage: cdk.Stage, ...plugins: cdk.IPolicyValidationPlugin[]): void {
  cdk.Validations.of(stage).addPlugins(...plugins);
}

/** `Validations.of(scope).acknowledge()`; only call it where `HAS_NATIVE_ACKNOWLEDGEMENTS`. */
export function nativeAcknowledge(scope: IConstruct, id: string, reason: string): void {
  validations!.of(scope).acknowledge({ id, reason });
}

/**
 * Synthesizes an app with validation plugins and says whether validation failed, with the report
 * text: newer aws-cdk-lib throws on a failed validation, older releases print the report and set
 * `process.exitCode` instead.
 */
export function synthValidation(app: cdk.App): { failed: boolean; output: string } {
  const printed: string[] = [];
  const capture = (...args: unknown[]) => {
    printed.push(args.map(String).join(' '));
  };
  const error = jest.spyOn(console, 'error').mockImplementation(capture);
  const log = jest.spyOn(console, 'log').mockImplementation(capture);
  const exitCode = process.exitCode;
  process.exitCode = undefined;
  let failed = false;
  try {
    app.synth();
  } catch (e) {
    failed = true;
    printed.push(String((e as Error).message));
  } finally {
    error.mockRestore();
    log.mockRestore();
    failed ||= process.exitCode === 1;
    process.exitCode = exitCode;
  }
  return { failed, output: printed.join('\n') };
}

/** App context that makes older aws-cdk-lib releases write their (older) JSON validation report too. */
export const VALIDATION_REPORT_CONTEXT = { '@aws-cdk/core:validationReportJson': true };

/**
 * The plugin reports of a synthesized assembly, as `{ pluginName, violations }`: from
 * `validation-report.json` (newer aws-cdk-lib) or `policy-validation-report.json` (older releases, with
 * `VALIDATION_REPORT_CONTEXT`).
 */
export function pluginReports(outdir: string): Array<{ pluginName: string; violations: any[] }> {
  for (const name of ['validation-report.json', 'policy-validation-report.json']) {
    const file = path.join(outdir, name);
    if (fs.existsSync(file)) {
      return JSON.parse(fs.readFileSync(file, 'utf8')).pluginReports.map((r: any) => ({
        pluginName: r.pluginName ?? r.summary?.pluginName,
        violations: r.violations ?? [],
      }));
    }
  }
  return [];
}

/**
 * cdk-nag AwsSolutions run as a validation plugin on an app (synthesized into `outdir`): the
 * violations as `<construct path> <rule>` lines.
 */
export function awsSolutionsViolations(app: cdk.App, outdir: string, checks: Plugin): string[] {
  addPlugins(app, checks);
  synthValidation(app);
  const nag = pluginReports(outdir).find((r) => r.pluginName === 'AwsSolutions');
  return (nag?.violations ?? []).flatMap((v: any) => v.violatingConstructs.map((c: any) => `${c.constructPath} ${v.ruleName}`));
}
