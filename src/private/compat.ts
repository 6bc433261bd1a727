// Feature detection for the aws-cdk-lib versions the library supports (see README, "Compatibility").
import * as cdk from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { NATIVE_ACKNOWLEDGEMENT_METADATA } from '../checks/engine/scoped-acknowledgements';

interface ValidationsLike {
  of(scope: IConstruct): { acknowledge(...rules: Array<{ id: string; reason: string }>): void };
}

/**
 * aws-cdk-lib's `Validations` where it can acknowledge rules; undefined on older releases (before
 * 2.251.0 there is no `Validations`, and the first releases that have it only add plugins).
 */
function validationsClass(): ValidationsLike | undefined {
  const validations = (cdk as unknown as { Validations?: ValidationsLike & { prototype?: { acknowledge?: unknown } } }).Validations;
  return typeof validations?.prototype?.acknowledge === 'function' ? validations : undefined;
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
    try {
      validations.of(scope).acknowledge({ id, reason });
      return;
    } catch (e) {
      // Releases from `Validations`' first one up to 2.268 split ids on every `::` and reject cdk-nag's
      // (`AwsSolutions::AwsSolutions-IAM4[Policy::arn:...]`, aws/aws-cdk#38787): write the metadata instead.
      if (!isInvalidValidationId(e)) {
        throw e;
      }
    }
  }
  scope.node.addMetadata(NATIVE_ACKNOWLEDGEMENT_METADATA, { [id]: reason });
}

/** The error older `Validations` releases throw for an id with more than one `::`. */
function isInvalidValidationId(e: unknown): boolean {
  return e instanceof Error && e.message.startsWith('Invalid validation rule ID');
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
