// The tests run on the newest aws-cdk-lib and on the lowest the library supports (2.240.0, see
// .ci/run): a few APIs differ between them.
import * as cdk from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

type Plugin = any;

const validations = (cdk as unknown as { Validations?: { of(scope: IConstruct): any } }).Validations;

/** Whether this aws-cdk-lib has `Validations` (its native acknowledgements and `addPlugins`). */
export const HAS_VALIDATIONS = validations !== undefined;

/** Registers policy-validation plugins on an app or stage: `Validations.of(app).addPlugins()`, or the older `policyValidationBeta1` list. */
export function addPlugins(stage: cdk.Stage, ...plugins: Plugin[]): void {
  if (validations) {
    validations.of(stage).addPlugins(...plugins);
  } else {
    (stage as unknown as { policyValidationBeta1: Plugin[] }).policyValidationBeta1.push(...plugins);
  }
}

/** `Validations.of(scope).acknowledge()`; only call it where `HAS_VALIDATIONS`. */
export function nativeAcknowledge(scope: IConstruct, id: string, reason: string): void {
  validations!.of(scope).acknowledge({ id, reason });
}
