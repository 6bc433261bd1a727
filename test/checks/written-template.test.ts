// The aspect judges the template a stack's synthesizer writes, as it writes it (no second
// rendering): what it judges is the file, and a synthesis it cannot see fails instead of passing.
import * as fs from 'fs';
import { App, AspectPriority, Aspects, CfnResource, DefaultStackSynthesizer, ISynthesisSession, NestedStack, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ImdsHopLimitChecker } from '../../src';
import { observeWrittenTemplate } from '../../src/private/written-template';

function launchTemplate(scope: Stack, id: string, hop: unknown): CfnResource {
  return new ec2.CfnLaunchTemplate(scope, id, {
    launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: hop as number } },
  });
}

const hopErrors = (stack: Stack) =>
  Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('HopLimitAboveOne')).map((m) => String(m.entry.data));

describe('the aspect judges the written template', () => {
  test('an override added after every aspect ran is judged, and the judged value is the one in the file', () => {
    const app = new App();
    const stack = new Stack(app, 'Nodes');
    const lt = launchTemplate(stack, 'Lt', 1);
    Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
    // A mutating aspect that runs after the checker: the checker must still see its change.
    Aspects.of(app).add({ visit: (n) => n === lt && lt.addPropertyOverride('LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit', 3) },
      { priority: AspectPriority.READONLY + 1 });
    const assembly = app.synth();
    const written = JSON.parse(fs.readFileSync(assembly.getStackByName('Nodes').templateFullPath, 'utf8'));
    expect(written.Resources.Lt.Properties.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit).toBe(3);
    expect(hopErrors(stack)).toEqual([expect.stringMatching(/HttpPutResponseHopLimit is 3/)]);
  });

  test('a forced second synthesis judges again without repeating annotations', () => {
    const app = new App();
    const stack = new Stack(app, 'Nodes');
    launchTemplate(stack, 'Lt', 2);
    Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
    app.synth();
    app.synth({ force: true });
    expect(stack.node.findChild('Lt').node.metadata.filter((m) => /HopLimitAboveOne/.test(String(m.data)))).toHaveLength(1);
  });

  test('a nested stack\'s template is judged when it is written', () => {
    const app = new App();
    const parent = new Stack(app, 'Parent');
    const nested = new NestedStack(parent, 'Nested');
    launchTemplate(nested, 'Lt', 2);
    Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
    expect(hopErrors(parent)).toEqual([expect.stringMatching(/HttpPutResponseHopLimit is 2/)]);
  });

  test('a synthesizer that writes the template some other way fails synthesis, naming the stack', () => {
    class OwnWriter extends DefaultStackSynthesizer {
      public synthesize(session: ISynthesisSession): void {
        // Writes a template the checker never sees.
        fs.writeFileSync(`${session.outdir}/${this.boundStack.templateFile}`, '{"Resources":{}}');
      }
    }
    const app = new App();
    const stack = new Stack(app, 'Odd', { synthesizer: new OwnWriter() });
    launchTemplate(stack, 'Lt', 2);
    Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
    expect(() => app.synth()).toThrow(/ImdsHopLimitChecker did not see the template of Odd being written .*OwnWriter.*validation plugin/);
  });

  test('observers of one stack share one hook, and each sees the template once per synthesis', () => {
    const app = new App();
    const stack = new Stack(app, 'Shared');
    launchTemplate(stack, 'Lt', 1);
    const seen: string[] = [];
    observeWrittenTemplate(stack, (t) => seen.push(`a:${Object.keys(t.Resources as object).join()}`), 'test');
    observeWrittenTemplate(stack, (t) => seen.push(`b:${Object.keys(t.Resources as object).join()}`), 'test');
    app.synth();
    expect(seen).toEqual(['a:Lt', 'b:Lt']);
  });

  test('outside synthesis (Stack._toCloudFormation() called directly) the observer is not called', () => {
    const stack = new Stack(new App(), 'Direct');
    launchTemplate(stack, 'Lt', 1);
    const seen: unknown[] = [];
    observeWrittenTemplate(stack, (t) => seen.push(t), 'test');
    (stack as unknown as { _toCloudFormation(): unknown })._toCloudFormation();
    expect(seen).toEqual([]);
  });
});

test('a Stack subclass that overrides _toCloudFormation and calls super is judged on what it returns', () => {
  class Rewriting extends Stack {
    public _toCloudFormation(): any {
      const t = (Stack.prototype as any)._toCloudFormation.call(this);
      t.Resources.Lt.Properties.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit = 4;
      return t;
    }
  }
  const app = new App();
  const plain = new Stack(app, 'Plain'); // hooks Stack.prototype too
  launchTemplate(plain, 'Lt', 1);
  const stack = new Rewriting(app, 'Rewriting');
  launchTemplate(stack, 'Lt', 1);
  Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
  expect(hopErrors(stack)).toEqual([expect.stringMatching(/HttpPutResponseHopLimit is 4/)]);
  expect(hopErrors(plain)).toEqual([]);
});
