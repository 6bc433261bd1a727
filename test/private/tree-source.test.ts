import { App, CfnElement, CfnResource, Lazy, Stack, Stage } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct, IConstruct } from 'constructs';
import { HardenedCluster } from '../../src';
import { isReason, ruleOfNativeId, ScopedAcknowledgements } from '../../src/checks/engine/scoped-acknowledgements';
import { logicalIdOf, stackElements, treeAuditSource } from '../../src/private/tree-source';

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

describe('acknowledgements read from the construct tree along a path', () => {
  const ACK = 'aws:cdk:acknowledged-rules';
  const reason = (where: string) => `acknowledged at ${where} for this test`;

  /** An app with acknowledgements at every level, in the stack judged and beside it. */
  function tree() {
    const app = new App();
    const acknowledge = (c: IConstruct, rule: string) => c.node.addMetadata(ACK, { [`cdk-hardened-eks-imds::${rule}`]: reason(c.node.path || 'the app') });
    acknowledge(app, 'TokensNotPinned');
    const stage = new Stage(app, 'Stage');
    acknowledge(stage, 'HopLimitNotPinned');
    const stack = new Stack(stage, 'Judged');
    acknowledge(stack, 'HopLimitAboveOne');
    const group = new Construct(stack, 'Group');
    acknowledge(group, 'ImdsV1Allowed');
    const lt = new ec2.CfnLaunchTemplate(group, 'Lt', { launchTemplateData: {} });
    acknowledge(lt, 'HopLimitAboveOne');
    new ec2.CfnLaunchTemplate(stack, 'Plain', { launchTemplateData: {} });
    // Not in the judged stack's scope: a sibling stack, and a construct beside the stack.
    const other = new Stack(stage, 'Other');
    acknowledge(new Construct(other, 'Group'), 'HopLimitAboveOne');
    acknowledge(new Construct(stage, 'Beside'), 'HopLimitAboveOne');
    // Recorded in a form that does not count: a short reason, another namespace, not an object.
    group.node.addMetadata(ACK, { 'cdk-hardened-eks-imds::HopLimitNotPinned': 'ok' });
    group.node.addMetadata(ACK, { 'other-plugin::HopLimitNotPinned': reason('other') });
    group.node.addMetadata(ACK, 'HopLimitNotPinned');
    return { app, stack, other };
  }

  /**
   * The reference: every metadata entry of the stack, its ancestors and everything below it (the
   * full walk), then the records at each prefix of the path, built one by one.
   */
  function reference(stack: Stack, constructPath: string): Map<string, string> {
    const byPath = new Map<string, Map<string, string>>();
    for (const c of [...stack.node.scopes, ...stack.node.findAll().filter((x) => x !== stack)]) {
      for (const m of c.node.metadata) {
        if (m.type !== ACK || typeof m.data !== 'object' || m.data === null || Array.isArray(m.data)) continue;
        for (const [id, r] of Object.entries(m.data as Record<string, unknown>)) {
          const rule = ruleOfNativeId(id);
          if (rule && isReason(r)) {
            byPath.set(c.node.path, (byPath.get(c.node.path) ?? new Map()).set(rule, r.trim()));
          }
        }
      }
    }
    const parts = constructPath.replace(/^\/+/, '').replace(/\/+$/, '').split('/');
    const result = new Map<string, string>();
    for (let n = 0; n <= parts.length; n++) {
      for (const [rule, r] of byPath.get(parts.slice(0, n).join('/')) ?? []) {
        result.set(rule, r);
      }
    }
    return result;
  }

  const PATHS = [
    '', '/', '//', 'Stage', 'Stage/Judged', 'Stage/Judged/Group', 'Stage/Judged/Group/Lt', '/Stage/Judged/Group/Lt/',
    'Stage/Judged/Plain', 'Stage/Judged/Missing/Deeper', 'Stage/Other/Group', 'Stage/Beside', 'Stage//Judged/Group',
    '__proto__', 'Stage/__proto__/x', 'Stage/Judged/constructor', 'Stage/Judged/Group/Lt/hasOwnProperty', 'toString/valueOf',
    'Stage/Judged/Group/Lt/' + 'x/'.repeat(3_000),
  ];

  test.each(PATHS.map((p) => [p.length > 60 ? `${p.slice(0, 60)}...` : p || '(empty)', p]))('%s: as the full walk of the tree says', (_name, p) => {
    const { stack } = tree();
    expect(treeAuditSource(stack).scopedAcknowledgements!.forPath(p)).toEqual(reference(stack, p));
  });

  test('the nearest scope wins, scopes outside the judged stack do not count, and every path is asked of one source', () => {
    const { stack, other } = tree();
    const source = treeAuditSource(stack).scopedAcknowledgements!;
    expect(Object.fromEntries(source.forPath('Stage/Judged/Group/Lt'))).toEqual({
      TokensNotPinned: reason('the app'),
      HopLimitNotPinned: reason('Stage'),
      HopLimitAboveOne: reason('Stage/Judged/Group/Lt'),
      ImdsV1Allowed: reason('Stage/Judged/Group'),
    });
    expect(Object.fromEntries(source.forPath('Stage/Judged/Plain'))).toEqual({
      TokensNotPinned: reason('the app'),
      HopLimitNotPinned: reason('Stage'),
      HopLimitAboveOne: reason('Stage/Judged'),
    });
    // A path (say, a forged aws:cdk:path) into another stack finds only the common ancestors' records.
    expect(Object.fromEntries(source.forPath('Stage/Other/Group'))).toEqual({ TokensNotPinned: reason('the app'), HopLimitNotPinned: reason('Stage') });
    expect(Object.fromEntries(treeAuditSource(other).scopedAcknowledgements!.forPath('Stage/Other/Group')).HopLimitAboveOne).toBe(reason('Stage/Other/Group'));
    // Each answer is the caller's own map.
    source.forPath('Stage/Judged/Plain').clear();
    expect(source.forPath('Stage/Judged/Plain').size).toBe(3);
  });
});

test('the path of an element the source gave out is answered from the element\'s scopes, as the full walk says', () => {
  const ACK = 'aws:cdk:acknowledged-rules';
  const app = new App();
  const stage = new Stage(app, 'Stage');
  const stack = new Stack(stage, 'Judged');
  const group = new Construct(stack, 'Group');
  const inner = new Construct(group, 'Inner');
  const elements = [
    new ec2.CfnLaunchTemplate(inner, 'Deep', { launchTemplateData: {} }),
    new ec2.CfnLaunchTemplate(group, 'Shallow', { launchTemplateData: {} }),
    new ec2.CfnLaunchTemplate(stack, 'Top', { launchTemplateData: {} }),
  ];
  const reason = (c: IConstruct, rule: string) => `${rule} acknowledged at ${c.node.path || 'the app'}`;
  const acknowledge = (c: IConstruct, ...rules: string[]) =>
    c.node.addMetadata(ACK, Object.fromEntries(rules.map((r) => [`cdk-hardened-eks-imds::${r}`, reason(c, r)])));
  acknowledge(app, 'TokensNotPinned', 'HopLimitAboveOne');
  acknowledge(stage, 'HopLimitNotPinned');
  acknowledge(group, 'HopLimitAboveOne');
  acknowledge(group, 'ImdsV1Allowed'); // a second record on one construct
  acknowledge(inner, 'TokensNotPinned');
  acknowledge(elements[0], 'HopLimitNotPinned');
  group.node.addMetadata(ACK, { 'cdk-hardened-eks-imds::HopLimitNotPinned': 'ok' }); // too short: does not count
  const expected: Record<string, Record<string, string>> = {
    Deep: {
      TokensNotPinned: reason(inner, 'TokensNotPinned'),
      HopLimitAboveOne: reason(group, 'HopLimitAboveOne'),
      HopLimitNotPinned: reason(elements[0], 'HopLimitNotPinned'),
      ImdsV1Allowed: reason(group, 'ImdsV1Allowed'),
    },
    Shallow: {
      TokensNotPinned: reason(app, 'TokensNotPinned'),
      HopLimitAboveOne: reason(group, 'HopLimitAboveOne'),
      HopLimitNotPinned: reason(stage, 'HopLimitNotPinned'),
      ImdsV1Allowed: reason(group, 'ImdsV1Allowed'),
    },
    Top: { TokensNotPinned: reason(app, 'TokensNotPinned'), HopLimitAboveOne: reason(app, 'HopLimitAboveOne'), HopLimitNotPinned: reason(stage, 'HopLimitNotPinned') },
  };
  // Asked in both orders, so that each path is answered both from scratch and from a remembered scope.
  for (const order of [elements, [...elements].reverse()]) {
    const source = treeAuditSource(stack);
    for (const e of order) {
      const path = source.constructPaths!.get(logicalIdOf(stack, e))!;
      expect(path).toBe(e.node.path);
      const byScopes = source.scopedAcknowledgements!.forPath(path);
      expect(Object.fromEntries(byScopes)).toEqual(expected[e.node.id]);
      // The same as a source that walks the path from the app (no element given out for it).
      expect(Object.fromEntries(treeAuditSource(stack).scopedAcknowledgements!.forPath(path))).toEqual(expected[e.node.id]);
      // Each answer is the caller's own map.
      byScopes.clear();
      expect(source.scopedAcknowledgements!.forPath(path).size).toBe(Object.keys(expected[e.node.id]).length);
    }
  }
});

describe('ScopedAcknowledgements.forPath', () => {
  const REASON = 'a reason long enough to count';
  // Records as written (a leading or trailing slash is normalized away), two at `a`.
  const RECORDED: Array<[string, string]> = [
    ['', 'TokensNotPinned'], ['a', 'HopLimitAboveOne'], ['a/', 'ImdsV1Allowed'], ['a/b', 'ImdsV1Allowed'], ['ab', 'HopLimitNotPinned'],
    ['a/b/c', 'HopLimitAboveOne'], ['/b', 'HopLimitAboveOne'], ['b/c/', 'TokensNotPinned'],
  ];
  // Every path of up to three components over these ids, with and without a leading and trailing slash.
  const IDS = ['a', 'b', 'c', 'ab', ''];
  const paths = new Set<string>(['']);
  for (const x of IDS) {
    for (const y of ['', ...IDS]) {
      for (const z of ['', ...IDS]) {
        const core = [x, y, z].join('/');
        paths.add(core).add(`/${core}`).add(`${core}/`).add(x).add(`${x}/${y}`);
      }
    }
  }

  test(`agrees with building each prefix, for ${paths.size} paths and ${RECORDED.length} records`, () => {
    const normalize = (p: string) => p.replace(/^\/+/, '').replace(/\/+$/, '');
    const acks = ScopedAcknowledgements.fromMetadataEntries(RECORDED.map(([p, rule]) => ({
      path: p, type: 'aws:cdk:acknowledged-rules', data: { [`cdk-hardened-eks-imds::${rule}`]: `${REASON} ${normalize(p)}`.trim() },
    })));
    const byPath = new Map<string, Map<string, string>>();
    for (const [p, rule] of RECORDED) {
      byPath.set(normalize(p), (byPath.get(normalize(p)) ?? new Map()).set(rule, `${REASON} ${normalize(p)}`.trim()));
    }
    const reference = (p: string) => {
      const parts = normalize(p).split('/');
      const result = new Map<string, string>();
      for (let n = 0; n <= parts.length; n++) {
        for (const [rule, r] of byPath.get(parts.slice(0, n).join('/')) ?? []) result.set(rule, r);
      }
      return result;
    };
    let nonEmpty = 0;
    for (const p of paths) {
      const expected = reference(p);
      nonEmpty += expected.size > 1 ? 1 : 0;
      expect([p, Object.fromEntries(acks.forPath(p))]).toEqual([p, Object.fromEntries(expected)]);
    }
    // The table exercises nesting: many paths are under more than one record.
    expect(nonEmpty).toBeGreaterThan(50);
  });

  test('a path of 100,000 slashes, or of 50,000 components, is answered (the scan is linear)', () => {
    const acks = ScopedAcknowledgements.fromMetadataEntries([{ path: 'a', type: 'aws:cdk:acknowledged-rules', data: { 'cdk-hardened-eks-imds::HopLimitAboveOne': REASON } }]);
    expect(acks.forPath('/'.repeat(100_000) + 'x').size).toBe(0);
    expect(acks.forPath('a' + '/'.repeat(100_000)).get('HopLimitAboveOne')).toBe(REASON);
    expect(acks.forPath('a/' + 'b/'.repeat(50_000)).get('HopLimitAboveOne')).toBe(REASON);
    expect(acks.forPath('ab/' + 'b/'.repeat(50_000)).size).toBe(0);
  });
});
