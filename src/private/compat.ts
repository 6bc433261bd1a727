// Feature detection for the aws-cdk-lib versions the library supports (see README, "Compatibility").
import * as cdk from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { NATIVE_ACKNOWLEDGEMENT_METADATA } from '../checks/engine/scoped-acknowledgements';

interface ValidationsLike {
  of(scope: IConstruct): { acknowledge(...rules: Array<{ id: string; reason: string }>): void };
}

/** aws-cdk-lib's `Validations` (2.25x and later); undefined on older releases. */
function validationsClass(): ValidationsLike | undefined {
  return (cdk as unknown as { Validations?: ValidationsLike }).Validations;
}

/**
 * Records an acknowledgement of a validation rule (`AwsSolutions::...`, `CloudFormation-Validate::...`)
 * on a construct: with `Validations.of(scope).acknowledge()` where aws-cdk-lib has it, else as the
 * same metadata entry that method writes (`aws:cdk:acknowledged-rules`), which cdk-nag and the
 * checker read.
 */
export function acknowledgeRule(scope: IConstruct, id: string, reason: string): void {
  const validations = validationsClass();
  if (validations) {
    validations.of(scope).acknowledge({ id, reason });
  } else {
    scope.node.addMetadata(NATIVE_ACKNOWLEDGEMENT_METADATA, { [id]: reason });
  }
}

const SIZE_UNITS: Array<[string, number]> = [
  ['pebibytes', 2 ** 40], ['tebibytes', 2 ** 30], ['gibibytes', 2 ** 20], ['mebibytes', 2 ** 10], ['kibibytes', 1],
];

/**
 * A `Size` as the code that makes it reads (`Size.mebibytes(1536)`), for messages. `Size.toString()`
 * gives that only in recent aws-cdk-lib releases (older ones print `[object Object]`).
 */
export function showSize(size: cdk.Size): string {
  if (cdk.Token.isUnresolved(size.toKibibytes({ rounding: cdk.SizeRoundingBehavior.NONE }))) {
    return 'a deploy-time value';
  }
  const kib = size.toKibibytes({ rounding: cdk.SizeRoundingBehavior.NONE });
  if (kib === 0) {
    return 'Size.gibibytes(0)';
  }
  for (const [unit, factor] of SIZE_UNITS) {
    if (Number.isInteger(kib / factor)) {
      return `Size.${unit}(${kib / factor})`;
    }
  }
  return `Size.kibibytes(${kib})`;
}
