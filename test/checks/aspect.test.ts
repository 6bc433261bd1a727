import { App, AspectPriority, Aspects, CfnParameter, Fn, NestedStack, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import { Construct } from 'constructs';
import { ImdsAcknowledgements, ImdsAudit, ImdsHopLimitChecker, RuleId, Severity } from '../../src';
import { importedCluster } from '../support/cdk';

function setup(props?: ConstructorParameters<typeof ImdsHopLimitChecker>[0]) {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  Aspects.of(app).add(new ImdsHopLimitChecker(props), { priority: AspectPriority.READONLY });
  return { app, stack };
}

const hardenedOptions = { httpTokens: 'required', httpPutResponseHopLimit: 1 };

/** An L1 launch template with hop limit 2: a HopLimitAboveOne error wherever a checker judges it. */
function hopTwo(scope: Construct, id: string): ec2.CfnLaunchTemplate {
  return new ec2.CfnLaunchTemplate(scope, id, { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 } } });
}

describe('ImdsHopLimitChecker (aspect)', () => {
  test('passes an L1 launch template with tokens required and hop limit 1', () => {
    const { stack } = setup();
    new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateData: { metadataOptions: hardenedOptions } });
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('cdk-hardened-eks|HopLimit'));
  });

  test('flags an L1 launch template with hop limit 2 as an error on the resource', () => {
    const { stack } = setup();
    hopTwo(stack, 'Lt');
    Annotations.fromStack(stack).hasError('/Stack/Lt', Match.stringLikeRegexp('^\\[HopLimitAboveOne\\] HttpPutResponseHopLimit is 2'));
  });

  test('flags an L2 launch template overridden to hop limit 3 with addPropertyOverride', () => {
    const { stack } = setup();
    const lt = new ec2.LaunchTemplate(stack, 'Lt', { requireImdsv2: true, httpPutResponseHopLimit: 1 });
    (lt.node.defaultChild as ec2.CfnLaunchTemplate).addPropertyOverride('LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit', 3);
    Annotations.fromStack(stack).hasError('/Stack/Lt/Resource', Match.stringLikeRegexp('\\[HopLimitAboveOne\\] HttpPutResponseHopLimit is 3'));
  });

  test('flags an L2 launch template left at the defaults (hop limit not pinned, tokens not pinned)', () => {
    const { stack } = setup();
    new ec2.LaunchTemplate(stack, 'Lt', {});
    const errors = Annotations.fromStack(stack).findError('/Stack/Lt/Resource', Match.anyValue());
    expect(errors.map((e) => String(e.entry.data).match(/^\[(\w+)\]/)?.[1]).sort()).toEqual(['HopLimitNotPinned', 'TokensNotPinned']);
  });

  test('flags a node group without a launch template', () => {
    const { stack } = setup();
    new eks.CfnNodegroup(stack, 'Ng', { clusterName: 'c', nodeRole: 'arn:aws:iam::111111111111:role/n', subnets: ['subnet-1'] });
    Annotations.fromStack(stack).hasError('/Stack/Ng', Match.stringLikeRegexp('\\[NodegroupDefaultLaunchTemplate\\]'));
  });

  test('reports an unconstrained parameter as an Unverifiable warning', () => {
    const { stack } = setup();
    const hop = new CfnParameter(stack, 'Hop', { type: 'Number' });
    new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: hop.valueAsNumber } } });
    Annotations.fromStack(stack).hasWarning('/Stack/Lt', Match.stringLikeRegexp('\\[Unverifiable\\] HttpPutResponseHopLimit is only known at deploy time: parameter Hop'));
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
  });

  test('severity override turns errors into warnings while migrating', () => {
    const { stack } = setup({ severity: Severity.WARNING });
    hopTwo(stack, 'Lt');
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
    Annotations.fromStack(stack).hasWarning('/Stack/Lt', Match.stringLikeRegexp('\\[HopLimitAboveOne\\]'));
  });

  test('rule selection runs only the chosen rules', () => {
    const { stack } = setup({ rules: [RuleId.NODEGROUP_DEFAULT_LAUNCH_TEMPLATE] });
    new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateData: { metadataOptions: { httpPutResponseHopLimit: 2 } } });
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
  });

  test('refuses an unknown rule id in its options, naming it', () => {
    expect(() => new ImdsHopLimitChecker({ rules: ['HopLimitAboveTwo'] })).toThrow(/rules names an unknown rule id 'HopLimitAboveTwo'/);
  });
});

describe('findings on the whole template', () => {
  test('a macro the stack declares is an Unverifiable warning on the stack', () => {
    const { stack } = setup();
    stack.addTransform('NodeFleetMacro');
    new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateData: { metadataOptions: hardenedOptions } });
    const warnings = Annotations.fromStack(stack).findWarning('/Stack', Match.stringLikeRegexp('\\[Unverifiable\\].*macro NodeFleetMacro'));
    expect(warnings).toHaveLength(1);
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
  });

  test('an AWS::Include (Fn.transform) in a launch template\'s metadata options is an Unverifiable warning on it, never a pass', () => {
    const { stack } = setup();
    const lt = new ec2.CfnLaunchTemplate(stack, 'Lt', {
      launchTemplateData: { metadataOptions: Fn.transform('AWS::Include', { Location: 's3://node-snippets/metadata-options.yaml' }) },
    });
    const warnings = Annotations.fromStack(stack).findWarning(`/${lt.node.path}`, Match.stringLikeRegexp('\\[Unverifiable\\]'));
    expect(warnings.map((w) => String(w.entry.data))).toEqual([
      expect.stringMatching(/Fn::Transform \(AWS::Include or a macro\)/),
      expect.stringMatching(/MetadataOptions is only known at deploy time/),
    ]);
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
  });

  test('AWS::LanguageExtensions alone is no macro the engine cannot see through', () => {
    const { stack } = setup();
    stack.addTransform('AWS::LanguageExtensions');
    new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateData: { metadataOptions: hardenedOptions } });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('Unverifiable'))).toEqual([]);
  });
});

describe('checkers on nested scopes', () => {
  // The README's "Migrating a fleet" block: warnings on the legacy stack, errors everywhere else.
  function fleet(order: 'app-first' | 'stack-first') {
    const app = new App();
    const legacyStack = new Stack(app, 'Legacy');
    const platform = new Stack(app, 'Platform');
    for (const stack of [legacyStack, platform]) {
      hopTwo(stack, 'Lt');
    }
    const appWide = () => Aspects.of(app).add(new ImdsHopLimitChecker({ disabledRules: [RuleId.HOST_NETWORK_POD] }),
      { priority: AspectPriority.READONLY });
    const legacy = () => Aspects.of(legacyStack).add(new ImdsHopLimitChecker({ severity: Severity.WARNING }), { priority: AspectPriority.READONLY });
    if (order === 'app-first') {
      appWide();
      legacy();
    } else {
      legacy();
      appWide();
    }
    return { legacyStack, platform };
  }

  test.each(['app-first', 'stack-first'] as const)('the checker closest to a construct judges it, once (%s)', (order) => {
    const { legacyStack, platform } = fleet(order);
    const legacy = Annotations.fromStack(legacyStack);
    expect(legacy.findError('*', Match.anyValue())).toEqual([]);
    expect(legacy.findWarning('/Legacy/Lt', Match.stringLikeRegexp('\\[HopLimitAboveOne\\]'))).toHaveLength(1);
    const others = Annotations.fromStack(platform);
    expect(others.findError('/Platform/Lt', Match.stringLikeRegexp('\\[HopLimitAboveOne\\]'))).toHaveLength(1);
    expect(others.findWarning('*', Match.stringLikeRegexp('HopLimit'))).toEqual([]);
  });

  test('a checker added inside a stack judges only what is below its scope, and the stack\'s macro', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    stack.addTransform('AWS::Serverless-2016-10-31');
    const team = new Construct(stack, 'Team');
    hopTwo(team, 'Lt');
    hopTwo(stack, 'Outside');
    Aspects.of(team).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.stringLikeRegexp('HopLimitAboveOne')).map((e) => e.id)).toEqual(['/Stack/Team/Lt']);
    expect(annotations.findWarning('/Stack', Match.stringLikeRegexp('macro AWS::Serverless'))).toHaveLength(1);
  });

  test('an app-wide checker and a warning one on a construct inside a stack: each element judged by the closest, once', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const team = new Construct(stack, 'Team');
    hopTwo(team, 'Lt');
    hopTwo(stack, 'Outside');
    Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
    Aspects.of(team).add(new ImdsHopLimitChecker({ severity: Severity.WARNING }), { priority: AspectPriority.READONLY });
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.stringLikeRegexp('HopLimitAboveOne')).map((e) => e.id)).toEqual(['/Stack/Outside']);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('HopLimitAboveOne')).map((e) => e.id)).toEqual(['/Stack/Team/Lt']);
  });

  test('two checkers on one scope: the first added judges, once', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    hopTwo(stack, 'Lt');
    Aspects.of(app).add(new ImdsHopLimitChecker({ severity: Severity.WARNING }), { priority: AspectPriority.READONLY });
    Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('/Stack/Lt', Match.stringLikeRegexp('HopLimitAboveOne'))).toHaveLength(1);
  });

  test('one checker added to two stacks judges both; shared by two legacy stacks under a strict app-wide one, it makes both warnings', () => {
    const app = new App();
    const stacks = ['L1', 'L2', 'Platform'].map((id) => new Stack(app, id));
    for (const stack of stacks) {
      hopTwo(stack, 'Lt');
    }
    Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
    const legacy = new ImdsHopLimitChecker({ severity: Severity.WARNING });
    Aspects.of(stacks[0]).add(legacy, { priority: AspectPriority.READONLY });
    Aspects.of(stacks[1]).add(legacy, { priority: AspectPriority.READONLY });
    for (const stack of stacks.slice(0, 2)) {
      const annotations = Annotations.fromStack(stack);
      expect(annotations.findError('*', Match.anyValue())).toEqual([]);
      expect(annotations.findWarning(`/${stack.stackName}/Lt`, Match.stringLikeRegexp('HopLimitAboveOne'))).toHaveLength(1);
    }
    expect(Annotations.fromStack(stacks[2]).findError('/Platform/Lt', Match.stringLikeRegexp('HopLimitAboveOne'))).toHaveLength(1);

    const alone = new App();
    const [a, b] = ['A', 'B'].map((id) => new Stack(alone, id));
    const one = new ImdsHopLimitChecker();
    for (const stack of [a, b]) {
      hopTwo(stack, 'Lt');
      Aspects.of(stack).add(one, { priority: AspectPriority.READONLY });
    }
    expect(Annotations.fromStack(b).findError('/B/Lt', Match.stringLikeRegexp('HopLimitAboveOne'))).toHaveLength(1);
    expect(Annotations.fromStack(a).findError('/A/Lt', Match.stringLikeRegexp('HopLimitAboveOne'))).toHaveLength(1);
  });

  test('a stack\'s macro is reported by a checker that judges the stack, not by one that only sees a nested stack of it', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    stack.addTransform('MyMacro');
    const nested = new NestedStack(stack, 'N');
    new ec2.CfnLaunchTemplate(nested, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 } } });
    const team = new Construct(stack, 'X');
    Aspects.of(nested).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
    Aspects.of(team).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
    expect(Annotations.fromStack(stack).findWarning('/S', Match.stringLikeRegexp('macro MyMacro'))).toHaveLength(1);
  });

  test('a construct added by a later aspect is judged too', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
    Aspects.of(stack).add({
      visit: (node) => {
        if (node === stack && !stack.node.tryFindChild('Late')) {
          hopTwo(stack, 'Late');
        }
      },
    }, { priority: AspectPriority.MUTATING });
    expect(Annotations.fromStack(stack).findError('/Stack/Late', Match.stringLikeRegexp('HopLimitAboveOne'))).toHaveLength(1);
  });
});

describe('ImdsAcknowledgements', () => {
  test('an acknowledged finding is no error but stays visible with its reason', () => {
    const { stack } = setup();
    const lt = hopTwo(stack, 'Lt');
    ImdsAcknowledgements.add(lt, [{ ruleId: RuleId.HOP_LIMIT_ABOVE_ONE, reason: 'legacy sidecar needs IMDS until migration ticket OPS-42 lands' }]);
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
    Annotations.fromStack(stack).hasInfo('/Stack/Lt', Match.stringLikeRegexp('\\[HopLimitAboveOne\\].*Acknowledged: legacy sidecar'));
    const findings = ImdsAudit.ofStack(stack);
    expect(findings).toEqual([expect.objectContaining({ ruleId: 'HopLimitAboveOne', acknowledged: true, acknowledgedReason: expect.stringMatching(/OPS-42/) })]);
  });

  test('applies to children added to the scope after the acknowledgement', () => {
    const { stack } = setup();
    ImdsAcknowledgements.add(stack, [{ ruleId: RuleId.NODEGROUP_DEFAULT_LAUNCH_TEMPLATE, reason: 'node group replaced in the next release' }]);
    new eks.CfnNodegroup(stack, 'Ng', { clusterName: 'c', nodeRole: 'arn:aws:iam::111111111111:role/n', subnets: ['subnet-1'] });
    expect(ImdsAudit.ofStack(stack, { includeAcknowledged: false })).toEqual([]);
  });

  test('refuses an acknowledgement without a real reason', () => {
    const { stack } = setup();
    expect(() => ImdsAcknowledgements.add(stack, [{ ruleId: RuleId.UNVERIFIABLE, reason: 'ok' }])).toThrow(/the reason for 'Unverifiable' is "ok"/);
    expect(() => ImdsAcknowledgements.add(stack, [{ ruleId: 'Nope', reason: 'a long enough reason' }])).toThrow(/ruleId 'Nope' is not a rule/);
  });
});

describe('Kubernetes manifests', () => {
  test('annotates an EC2NodeClass finding on the construct that owns the kubectl resource', () => {
    const { stack } = setup();
    const cluster = importedCluster(stack, { id: 'Cluster', oidc: false });
    cluster.addManifest('NodeClass', {
      apiVersion: 'karpenter.k8s.aws/v1',
      kind: 'EC2NodeClass',
      metadata: { name: 'wide-open' },
      spec: { metadataOptions: { httpPutResponseHopLimit: 2 } },
    });
    Annotations.fromStack(stack).hasError('/Stack/Cluster/manifest-NodeClass',
      Match.stringLikeRegexp('^\\[HopLimitAboveOne\\] EC2NodeClass/wide-open: httpPutResponseHopLimit is 2'));
  });

  test('resolves a token where the hop limit is through the template (a parameter allowing 2)', () => {
    const { stack } = setup();
    const hop = new CfnParameter(stack, 'Hop', { type: 'Number', allowedValues: ['1', '2'] });
    const cluster = importedCluster(stack, { id: 'Cluster', oidc: false });
    cluster.addManifest('NodeClass', {
      apiVersion: 'karpenter.k8s.aws/v1',
      kind: 'EC2NodeClass',
      metadata: { name: 'param' },
      spec: { metadataOptions: { httpPutResponseHopLimit: hop.valueAsNumber } },
    });
    Annotations.fromStack(stack).hasError('/Stack/Cluster/manifest-NodeClass',
      Match.stringLikeRegexp('\\[HopLimitAboveOne\\] EC2NodeClass/param: httpPutResponseHopLimit is 2 \\(parameter Hop'));
  });
});
