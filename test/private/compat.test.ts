// acknowledgeRule on each shape of aws-cdk-lib's `Validations` the supported releases have: none
// (before 2.251.0), one without `acknowledge` (2.251.0), one whose `acknowledge` rejects ids with a
// second `::` such as cdk-nag's (2.252.0 to 2.268.0, aws/aws-cdk#38787), and the current one.
import * as cdk from 'aws-cdk-lib';
import { NATIVE_ACKNOWLEDGEMENT_METADATA } from '../../src/checks/engine/scoped-acknowledgements';

const NAG_ID = 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSWorkerNodePolicy]';
const OWN_ID = 'CdkHardenedEks::WorkloadRoleWildcard';

/** acknowledgeRule from a fresh module registry in which aws-cdk-lib exports `validations` as `Validations`. */
function acknowledgeRuleWith(validations: unknown): typeof import('../../src/private/compat').acknowledgeRule {
  let fn: typeof import('../../src/private/compat').acknowledgeRule | undefined;
  jest.isolateModules(() => {
    jest.doMock('aws-cdk-lib', () => ({ ...jest.requireActual('aws-cdk-lib'), Validations: validations }));
    // A require inside the isolated registry: an import would load compat once, with the real aws-cdk-lib.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    fn = require('../../src/private/compat').acknowledgeRule;
  });
  jest.dontMock('aws-cdk-lib');
  return fn!;
}

function acknowledgedMetadata(scope: cdk.Stack): unknown[] {
  return scope.node.metadata.filter((m) => m.type === NATIVE_ACKNOWLEDGEMENT_METADATA).map((m) => m.data);
}

/** A `Validations` whose `acknowledge` behaves as `acknowledge` says, recording its calls. */
function fakeValidations(acknowledge: (rule: { id: string; reason: string }) => void) {
  const calls: string[] = [];
  class Validations {
    public static of(_scope: unknown) { return new Validations(); }
    public acknowledge(...rules: Array<{ id: string; reason: string }>) {
      for (const rule of rules) {
        calls.push(rule.id);
        acknowledge(rule);
      }
    }
  }
  return { Validations, calls };
}

describe('acknowledgeRule', () => {
  let stack: cdk.Stack;
  beforeEach(() => {
    stack = new cdk.Stack(new cdk.App(), 'Stack');
  });

  test('without Validations (before 2.251.0): writes the metadata entry Validations would write', () => {
    acknowledgeRuleWith(undefined)(stack, NAG_ID, 'upstream policy');
    expect(acknowledgedMetadata(stack)).toEqual([{ [NAG_ID]: 'upstream policy' }]);
  });

  test('Validations without acknowledge (2.251.0): writes the metadata entry', () => {
    class Validations {
      public static of() { return new Validations(); }
      public addPlugins() {}
    }
    acknowledgeRuleWith(Validations)(stack, NAG_ID, 'upstream policy');
    expect(acknowledgedMetadata(stack)).toEqual([{ [NAG_ID]: 'upstream policy' }]);
  });

  test('acknowledge rejecting a cdk-nag id (2.252.0 to 2.268.0): writes the metadata entry instead of failing', () => {
    const fake = fakeValidations((rule) => {
      if (rule.id.split('::').length > 2) {
        throw new Error(`Invalid validation rule ID '${rule.id}'. The '::' delimiter is reserved for separating the prefix from the rule name`);
      }
    });
    const acknowledgeRule = acknowledgeRuleWith(fake.Validations);
    expect(() => acknowledgeRule(stack, NAG_ID, 'upstream policy')).not.toThrow();
    expect(fake.calls).toEqual([NAG_ID]);
    expect(acknowledgedMetadata(stack)).toEqual([{ [NAG_ID]: 'upstream policy' }]);
  });

  test('an id acknowledge accepts goes through Validations, not a second metadata entry', () => {
    const fake = fakeValidations(() => {});
    acknowledgeRuleWith(fake.Validations)(stack, OWN_ID, 'reviewed');
    expect(fake.calls).toEqual([OWN_ID]);
    expect(acknowledgedMetadata(stack)).toEqual([]);
  });

  test('any other error from acknowledge is not swallowed', () => {
    const fake = fakeValidations(() => {
      throw new Error('acknowledgement reasons must not be empty');
    });
    expect(() => acknowledgeRuleWith(fake.Validations)(stack, OWN_ID, '')).toThrow(/reasons must not be empty/);
    expect(acknowledgedMetadata(stack)).toEqual([]);
  });

  test('this aws-cdk-lib accepts cdk-nag ids through Validations where it has one', () => {
    const validations = (cdk as unknown as { Validations?: { prototype: { acknowledge?: unknown } } }).Validations;
    acknowledgeRuleWith(validations)(stack, NAG_ID, 'upstream policy');
    expect(acknowledgedMetadata(stack)).toEqual([{ [NAG_ID]: 'upstream policy' }]);
  });
});
