// The aspect judges the template a stack's synthesizer writes, as it writes it (no second
// rendering): what it judges is the file, and a synthesis it cannot see fails instead of passing.
import * as fs from 'fs';
import { App, AspectPriority, Aspects, CfnElement, CfnResource, DefaultStackSynthesizer, ISynthesisSession, NestedStack, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ImdsHopLimitChecker } from '../../src';
import { observeWrittenTemplate, renderedElement, RenderedLogicalIds } from '../../src/private/written-template';

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

describe('the logical ids the rendering allocated find the constructs to annotate', () => {
  class PrefixedStack extends Stack {
    protected allocateLogicalId(element: CfnElement): string {
      return `Team${super.allocateLogicalId(element)}`;
    }
  }

  test.each([['Stack', Stack], ['a Stack subclass allocating its own ids', PrefixedStack]])(
    'in a %s, findings land on the L1, the L2 and the element whose id is overridden',
    (_name, StackClass) => {
      const app = new App();
      const stack = new StackClass(app, 'Nodes');
      const l1 = launchTemplate(stack, 'L1', 2);
      const l2 = new ec2.LaunchTemplate(stack, 'L2', { requireImdsv2: true, httpPutResponseHopLimit: 3 });
      const overridden = launchTemplate(stack, 'Overridden', 4);
      overridden.overrideLogicalId('NodesTemplate');
      launchTemplate(stack, 'Fine', 1);
      Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
      const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('HopLimitAboveOne'))
        .map((m) => `${m.id} ${/HttpPutResponseHopLimit is (\d)/.exec(String(m.entry.data))?.[1]}`).sort();
      const l2Resource = l2.node.defaultChild as CfnElement;
      expect(errors).toEqual([
        `/${l1.node.path} 2`, `/${l2Resource.node.path} 3`, `/${overridden.node.path} 4`,
      ].sort());
      // The recorder is gone from the stack once the template is rendered.
      expect(Object.getOwnPropertyDescriptor(stack, 'getLogicalId')).toBeUndefined();
    });

  test('the observer gets the ids the rendering gave, and renderedElement keeps only the stack\'s own elements with un-overridden ids', () => {
    const app = new App();
    const parent = new Stack(app, 'Parent');
    const nested = new NestedStack(parent, 'Nested');
    const own = launchTemplate(parent, 'Own', 1);
    const overridden = launchTemplate(parent, 'Overridden', 1);
    overridden.overrideLogicalId('Renamed');
    const inner = launchTemplate(nested, 'Inner', 1);
    let ids: RenderedLogicalIds | undefined;
    observeWrittenTemplate(parent, (_t, rendered) => { ids = rendered; }, 'test');
    app.synth();
    expect(ids?.get('Own')).toBe(own);
    expect(renderedElement(parent, ids!, 'Own')).toBe(own);
    expect(renderedElement(parent, ids!, 'Renamed')).toBeUndefined();
    // Ids of another stack's elements, and an id the parent's element had before it was overridden.
    const forged = new Map<string, CfnElement>([['Inner', inner], ['Overridden', overridden]]);
    expect(renderedElement(parent, forged, 'Inner')).toBeUndefined();
    expect(renderedElement(parent, forged, 'Overridden')).toBeUndefined();
  });

  test('the stack instance never gets a property of its own while its ids are recorded, and recording ends with the render', () => {
    const app = new App();
    const stack = new Stack(app, 'Shape');
    const keysDuringRender: string[][] = [];
    class Probe extends CfnResource {
      public _toCloudFormation(): object {
        keysDuringRender.push(Object.getOwnPropertyNames(stack));
        return super._toCloudFormation();
      }
    }
    new Probe(stack, 'Probe', { type: 'AWS::SQS::Queue' });
    const keysBefore = Object.getOwnPropertyNames(stack);
    let ids: RenderedLogicalIds | undefined;
    observeWrittenTemplate(stack, (_t, rendered) => { ids = rendered; }, 'test');
    app.synth();
    // Shadowing the method on the instance (then deleting it) changed the stack's shape every synth.
    expect(keysDuringRender.length).toBeGreaterThan(0);
    for (const keys of keysDuringRender) {
      expect(keys).not.toContain('getLogicalId');
      expect(keys).toEqual(keysBefore);
    }
    expect(ids?.get('Probe')).toBe(stack.node.findChild('Probe'));
    const recorded = ids!.size;
    stack.getLogicalId(launchTemplate(stack, 'After', 1) as unknown as CfnElement);
    expect(ids!.size).toBe(recorded);
  });

  test('a Stack subclass overriding getLogicalId: only the id its override gives the rendering is recorded', () => {
    class Renaming extends Stack {
      public getLogicalId(element: CfnElement): string {
        return `Renamed${super.getLogicalId(element)}`;
      }
    }
    const app = new App();
    new Stack(app, 'Plain'); // a plain stack in the same app: Stack.prototype's method is wrapped too
    const stack = new Renaming(app, 'Renaming');
    const lt = launchTemplate(stack, 'Lt', 2);
    let ids: RenderedLogicalIds | undefined;
    observeWrittenTemplate(stack, (_t, rendered) => { ids = rendered; }, 'test');
    observeWrittenTemplate(app.node.findChild('Plain') as Stack, () => {}, 'test');
    const written = JSON.parse(fs.readFileSync(app.synth().getStackByName('Renaming').templateFullPath, 'utf8'));
    expect(Object.keys(written.Resources)).toEqual(['RenamedLt']);
    expect(ids?.get('RenamedLt')).toBe(lt);
    // The id super.getLogicalId() gave inside the override is not the element's id.
    expect(ids?.has('Lt')).toBe(false);
  });

  test('with a getLogicalId override, findings land on the element whose id the override gave', () => {
    class Renaming extends Stack {
      public getLogicalId(element: CfnElement): string {
        return `Renamed${super.getLogicalId(element)}`;
      }
    }
    const app = new App();
    const stack = new Renaming(app, 'Renaming');
    launchTemplate(stack, 'Lt', 2);
    launchTemplate(stack, 'Fine', 1);
    Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('HopLimitAboveOne'));
    expect(errors.map((m) => m.id)).toEqual(['/Renaming/Lt']);
  });

  test('a getLogicalId the stack instance had of its own is put back after rendering', () => {
    const app = new App();
    const stack = new Stack(app, 'Own');
    launchTemplate(stack, 'Lt', 2);
    const mine = function (this: Stack, element: CfnElement) { return `Mine${Stack.prototype.getLogicalId.call(this, element)}`; };
    Object.defineProperty(stack, 'getLogicalId', { value: mine, writable: true, configurable: true });
    Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('HopLimitAboveOne'));
    expect(errors.map((m) => m.id)).toEqual(['/Own/Lt']);
    expect(Object.getOwnPropertyDescriptor(stack, 'getLogicalId')?.value).toBe(mine);
    expect(Object.keys(JSON.parse(fs.readFileSync(app.synth().getStackByName('Own').templateFullPath, 'utf8')).Resources)).toEqual(['MineLt']);
  });
});
