import { App, CfnElement, CfnResource, Lazy, Stack } from 'aws-cdk-lib';
import { HardenedCluster } from '../../src';
import { logicalIdOf, stackElements } from '../../src/private/tree-source';

class PrefixedStack extends Stack {
  protected allocateLogicalId(element: CfnElement): string {
    return `Team${super.allocateLogicalId(element)}`;
  }
}

test('logicalIdOf gives what stack.resolve(element.logicalId) gives, for every element: overrides and a Stack subclass\'s allocation included', () => {
  const app = new App();
  const stacks = [new Stack(app, 'Platform'), new PrefixedStack(app, 'Prefixed')];
  for (const stack of stacks) {
    new HardenedCluster(stack, 'Cluster');
    new CfnResource(stack, 'Overridden', { type: 'AWS::SQS::Queue' }).overrideLogicalId('MyQueue');
  }
  for (const stack of stacks) {
    const elements = stack.node.findAll().filter((c): c is CfnElement => CfnElement.isCfnElement(c) && c.stack === stack);
    expect(elements.length).toBeGreaterThan(50);
    for (const e of elements) {
      expect(logicalIdOf(stack, e)).toBe(stack.resolve(e.logicalId));
    }
    expect(stackElements(stack).get('MyQueue')?.node.id).toBe('Overridden');
  }
  expect([...stackElements(stacks[1]).keys()].filter((id) => id !== 'MyQueue').every((id) => id.startsWith('Team'))).toBe(true);
});

test('an id that is itself a token is resolved the public way', () => {
  const stack = new Stack(new App(), 'Stack');
  const element = new CfnResource(stack, 'Queue', { type: 'AWS::SQS::Queue' });
  const token = Lazy.string({ produce: () => 'FromToken' });
  Object.defineProperty(element, '_synthesizeLogicalId', { value: () => token });
  expect(logicalIdOf(stack, element)).toBe('FromToken');
});
