// Per-rule tests: every case of test/fixtures/rules/cases.ts runs through the three surfaces of the
// checker contract (DESIGN.md, "Checker contract") and must give exactly the expected findings:
//   (a) the engine, on the file as the project's loader reads it;
//   (b) the CLI, in-process, `audit <file> --format json` (findings and exit code);
//   (c) the aspect: a CloudFormation fixture is loaded into a CDK app with CfnInclude; the objects of a
//       Kubernetes manifest file are put into an L1 kubectl manifest resource, as aws-eks-v2 writes one.
// Then the aspect on L2 inputs (escape hatches included) and the policy-validation plugin.
process.env.CDK_VALIDATION = 'false'; // CloudFormation schema validation is an oracle elsewhere; it is slow.

import { App, CfnParameter, CfnResource, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { ImdsAcknowledgements, ImdsHopLimitValidationPlugin, RuleCatalogue, RuleId } from '../../src';
import { loadPath } from '../../src/checks/sources/load';
import { IDENTITY_CASES } from '../fixtures/identity/cases';
import { CaseTopic, ExpectedFinding, fixturePath, RULE_CASES, RULE_FIXTURES, RuleCase } from '../fixtures/rules/cases';
import { addPlugins, synthValidation } from '../support/compat';
import {
  annotationKeys, annotationLevel, appWithChecker as harnessApp, checkerAnnotations, describeExpected, engineFindings,
  expectedExitCode, findingKey as key, findingKeys as keys, fixtureFiles, JsonFinding, resourcePath, runCliCapturing, SeenAnnotation,
  severityOf, stackAnnotations,
} from '../support/rule-harness';

// ---------------------------------------------------------------------------------------- helpers

const appWithChecker = () => harnessApp('Rules');

const KUBECTL_RESOURCE_TYPE = 'Custom::AWSCDK-EKS-KubernetesResource';

/**
 * (c) the aspect. A template is included with CfnInclude (parameters, conditions and mappings come
 * along); a manifest file's objects go into one L1 kubectl manifest resource, `Manifest`.
 * Returns the annotations seen and the ones the case expects.
 */
function aspectRun(c: RuleCase): { seen: SeenAnnotation[]; expected: SeenAnnotation[] } {
  const { stack } = appWithChecker();
  const file = fixturePath(c);
  const [input, ...more] = loadPath(file);
  expect(more).toEqual([]);
  let pathOf: (logicalId: string) => string;
  let expectedFindings: readonly ExpectedFinding[] = c.expected;
  if (input.kind === 'template') {
    const include = new CfnInclude(stack, 'Template', { templateFile: file });
    pathOf = (logicalId) => `/${include.getResource(logicalId).node.path}`;
  } else {
    const manifest = new CfnResource(stack, 'Manifest', {
      type: KUBECTL_RESOURCE_TYPE,
      properties: {
        ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:kubectl-provider',
        Manifest: JSON.stringify(input.objects),
        ClusterName: 'hardened',
      },
    });
    pathOf = () => `/${manifest.node.path}`;
    expectedFindings = c.expected.map((e) => ({ ...e, resource: 'Manifest' }));
  }
  const expected = expectedFindings.map((e): SeenAnnotation => ({
    ruleId: e.ruleId,
    level: annotationLevel(e.ruleId),
    path: pathOf(e.resource!),
    ...(e.object ? { object: e.object } : {}),
  }));
  return { seen: checkerAnnotations(stack), expected };
}

// ---------------------------------------------------------------------------------------- the table

describe('the case table', () => {
  test('lists every fixture under test/fixtures/rules exactly once', () => {
    const listed = RULE_CASES.map((c) => c.file);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(fixtureFiles(RULE_FIXTURES));
  });

  test('covers every rule of the catalogue with a passing and a failing case (identity rules: test/fixtures/identity)', () => {
    const cases: ReadonlyArray<{ topic: string; verdict: string }> = [...RULE_CASES, ...IDENTITY_CASES];
    for (const rule of RuleCatalogue.all()) {
      const verdicts = new Set(cases.filter((c) => c.topic === rule.id).map((c) => c.verdict));
      expect({ rule: rule.id, pass: verdicts.has('pass'), fail: verdicts.has('fail') || verdicts.has('unverifiable') })
        .toEqual({ rule: rule.id, pass: true, fail: true });
    }
  });

  test('names only rules of the catalogue in expected findings', () => {
    for (const c of RULE_CASES) {
      for (const e of c.expected) {
        expect(RuleCatalogue.has(e.ruleId)).toBe(true);
      }
    }
  });
});

const TOPICS = [...new Set(RULE_CASES.map((c) => c.topic))] as CaseTopic[];

describe.each(TOPICS)('%s', (topic) => {
  const cases = RULE_CASES.filter((c) => c.topic === topic);

  describe.each(cases.map((c) => [`${c.behaviour} [${c.file}]`, c] as const))('%s', (_name, c) => {
    const file = fixturePath(c);
    const exit = expectedExitCode(c.expected);
    // A case on which the engine disagrees with the contract stays red-by-design until the engine is fixed.
    const failing = c.engineDisagreement !== undefined;
    const test = (name: string, fn: () => void) =>
      failing ? globalThis.test.failing(`[known engine disagreement, expected to fail] ${name}`, fn) : globalThis.test(name, fn);

    test(`engine finds exactly: ${describeExpected(c.expected)}`, () => {
      const findings = engineFindings(file);
      expect(keys(findings)).toEqual(keys(c.expected));
      for (const f of findings) {
        expect({ finding: key(f), severity: f.severity }).toEqual({ finding: key(f), severity: severityOf(f.ruleId) });
      }
    });

    test(`CLI --format json reports the same findings and exits ${exit}`, () => {
      const run = runCliCapturing(['audit', file, '--format', 'json']);
      expect(run.stderr).toBe('');
      const report = JSON.parse(run.stdout) as { findings: JsonFinding[] };
      expect(keys(report.findings)).toEqual(keys(c.expected));
      for (const f of report.findings) {
        expect({ finding: key(f), severity: f.severity, file: f.file }).toEqual({ finding: key(f), severity: severityOf(f.ruleId), file });
      }
      expect(run.code).toBe(exit);
    });

    if (c.cfnIncludeSkip) {
      globalThis.test.skip(`aspect on CfnInclude (skipped: ${c.cfnIncludeSkip})`, () => undefined);
    } else {
      test(`aspect annotates the same findings (errors as errors, warnings as warnings): ${describeExpected(c.expected)}`, () => {
        const { seen, expected } = aspectRun(c);
        expect(annotationKeys(seen)).toEqual(annotationKeys(expected));
      });
    }
  });
});

// ---------------------------------------------------------------------------------------- L2 inputs

function importedVpc(stack: Stack): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0a1b2c3d4e5f60000',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    privateSubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
  });
}

const AMI = ec2.MachineImage.genericLinux({ 'us-east-1': 'ami-0123456789abcdef0' });

describe('aspect on L2 inputs', () => {
  test('passes an ec2.LaunchTemplate with tokens required and hop limit 1', () => {
    const { stack } = appWithChecker();
    new ec2.LaunchTemplate(stack, 'Lt', { httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED, httpPutResponseHopLimit: 1 });
    expect(stackAnnotations(stack)).toEqual([]);
  });

  test('flags an ec2.LaunchTemplate with httpPutResponseHopLimit 2 as HopLimitAboveOne on its L1', () => {
    const { stack } = appWithChecker();
    const lt = new ec2.LaunchTemplate(stack, 'Lt', { requireImdsv2: true, httpPutResponseHopLimit: 2 });
    expect(stackAnnotations(stack)).toEqual([`error HopLimitAboveOne @ ${resourcePath(lt.node.defaultChild!)}`]);
  });

  test('flags an ec2.LaunchTemplate with requireImdsv2 but no hop limit as HopLimitNotPinned only', () => {
    const { stack } = appWithChecker();
    const lt = new ec2.LaunchTemplate(stack, 'Lt', { requireImdsv2: true });
    expect(stackAnnotations(stack)).toEqual([`error HopLimitNotPinned @ ${resourcePath(lt.node.defaultChild!)}`]);
  });

  test('flags an ec2.LaunchTemplate with httpTokens optional at hop limit 1 as ImdsV1Allowed', () => {
    const { stack } = appWithChecker();
    const lt = new ec2.LaunchTemplate(stack, 'Lt', { httpTokens: ec2.LaunchTemplateHttpTokens.OPTIONAL, httpPutResponseHopLimit: 1 });
    expect(stackAnnotations(stack)).toEqual([`error ImdsV1Allowed @ ${resourcePath(lt.node.defaultChild!)}`]);
  });

  test('passes an ec2.LaunchTemplate with IMDS disabled, whatever its hop limit', () => {
    const { stack } = appWithChecker();
    new ec2.LaunchTemplate(stack, 'Lt', { httpEndpoint: false, httpPutResponseHopLimit: 5 });
    expect(stackAnnotations(stack)).toEqual([]);
  });

  test('escape hatch: flags an ec2.LaunchTemplate with good props overridden to hop 3 by addPropertyOverride', () => {
    const { stack } = appWithChecker();
    const lt = new ec2.LaunchTemplate(stack, 'Lt', { httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED, httpPutResponseHopLimit: 1 });
    const cfn = lt.node.defaultChild as ec2.CfnLaunchTemplate;
    cfn.addPropertyOverride('LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit', 3);
    expect(stackAnnotations(stack)).toEqual([`error HopLimitAboveOne @ ${resourcePath(cfn)}`]);
  });

  test('escape hatch: flags an ec2.LaunchTemplate whose hop limit is removed by addPropertyDeletionOverride', () => {
    const { stack } = appWithChecker();
    const lt = new ec2.LaunchTemplate(stack, 'Lt', { httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED, httpPutResponseHopLimit: 1 });
    const cfn = lt.node.defaultChild as ec2.CfnLaunchTemplate;
    cfn.addPropertyDeletionOverride('LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit');
    expect(stackAnnotations(stack)).toEqual([`error HopLimitNotPinned @ ${resourcePath(cfn)}`]);
  });

  test('flags the launch template ec2.Instance requireImdsv2 generates (tokens required, hop limit not pinned), not the instance', () => {
    const { stack } = appWithChecker();
    const instance = new ec2.Instance(stack, 'Bastion', {
      vpc: importedVpc(stack),
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
      machineImage: AMI,
      requireImdsv2: true,
    });
    const seen = stackAnnotations(stack); // synthesizes: requireImdsv2 adds its launch template in an aspect
    const generated = stack.node.findAll().filter((c) => c instanceof ec2.CfnLaunchTemplate);
    expect(generated).toHaveLength(1);
    expect(seen).toEqual([`error HopLimitNotPinned @ ${resourcePath(generated[0])}`]);
    expect(seen.join('\n')).not.toContain(resourcePath(instance.instance));
  });

  test('flags an ec2.Instance without requireImdsv2 as HopLimitNotPinned and TokensNotPinned on the instance', () => {
    const { stack } = appWithChecker();
    const instance = new ec2.Instance(stack, 'Bastion', {
      vpc: importedVpc(stack),
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.MICRO),
      machineImage: AMI,
    });
    expect(stackAnnotations(stack)).toEqual([
      `error HopLimitNotPinned @ ${resourcePath(instance.instance)}`,
      `error TokensNotPinned @ ${resourcePath(instance.instance)}`,
    ]);
  });

  test('passes an autoscaling.AutoScalingGroup on a hardened ec2.LaunchTemplate', () => {
    const { stack } = appWithChecker();
    const launchTemplate = new ec2.LaunchTemplate(stack, 'Lt', {
      machineImage: AMI,
      instanceType: new ec2.InstanceType('m7i.large'),
      httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
      httpPutResponseHopLimit: 1,
    });
    new autoscaling.AutoScalingGroup(stack, 'Asg', { vpc: importedVpc(stack), launchTemplate });
    expect(stackAnnotations(stack)).toEqual([]);
  });

  test('puts the finding of an AutoScalingGroup\'s launch template with hop 2 on the launch template, not the group', () => {
    const { stack } = appWithChecker();
    const launchTemplate = new ec2.LaunchTemplate(stack, 'Lt', {
      machineImage: AMI,
      instanceType: new ec2.InstanceType('m7i.large'),
      httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
      httpPutResponseHopLimit: 2,
    });
    new autoscaling.AutoScalingGroup(stack, 'Asg', { vpc: importedVpc(stack), launchTemplate });
    expect(stackAnnotations(stack)).toEqual([`error HopLimitAboveOne @ ${resourcePath(launchTemplate.node.defaultChild!)}`]);
  });

  test('flags the override launch template of an AutoScalingGroup mixedInstancesPolicy with hop 2, not the group', () => {
    const { stack } = appWithChecker();
    const hardened = { machineImage: AMI, httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED };
    const x86 = new ec2.LaunchTemplate(stack, 'X86', { ...hardened, httpPutResponseHopLimit: 1 });
    const arm = new ec2.LaunchTemplate(stack, 'Arm', { ...hardened, httpPutResponseHopLimit: 2 });
    new autoscaling.AutoScalingGroup(stack, 'Asg', {
      vpc: importedVpc(stack),
      mixedInstancesPolicy: {
        launchTemplate: x86,
        launchTemplateOverrides: [
          { instanceType: new ec2.InstanceType('m7i.large') },
          { instanceType: new ec2.InstanceType('m7g.large'), launchTemplate: arm },
        ],
      },
    });
    expect(stackAnnotations(stack)).toEqual([`error HopLimitAboveOne @ ${resourcePath(arm.node.defaultChild!)}`]);
  });
});

describe('aspect on aws-eks-v2 clusters', () => {
  test('flags a node group added without a launch template and passes one on a hardened launch template', () => {
    const { stack } = appWithChecker();
    const cluster = new eks.Cluster(stack, 'Cluster', {
      version: eks.KubernetesVersion.V1_32,
      vpc: importedVpc(stack),
      vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
    });
    const plain = cluster.addNodegroupCapacity('Plain', { instanceTypes: [new ec2.InstanceType('m7i.large')] });
    const launchTemplate = new ec2.LaunchTemplate(stack, 'NodeLt', { httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED, httpPutResponseHopLimit: 1 });
    const onLaunchTemplate = cluster.addNodegroupCapacity('OnLaunchTemplate', {
      instanceTypes: [new ec2.InstanceType('m7i.large')],
      launchTemplateSpec: { id: launchTemplate.launchTemplateId!, version: launchTemplate.latestVersionNumber },
    });
    expect(stackAnnotations(stack)).toEqual([
      `error NodegroupDefaultLaunchTemplate @ ${resourcePath(plain.node.defaultChild!)}`,
      // aws-eks-v2's default node group roles hold AmazonEKS_CNI_Policy and ECR ReadOnly (an identity rule, true positives).
      `warning NodeRoleWorkloadPolicy @ ${resourcePath(onLaunchTemplate.role.node.defaultChild!)}`,
      `warning NodeRoleWorkloadPolicy @ ${resourcePath(plain.role.node.defaultChild!)}`,
    ]);
  });

  test('flags, on the KubernetesManifest, an EC2NodeClass whose hop limit is a parameter token allowing 2 (an Fn::Join manifest), not the hardened one', () => {
    const { stack } = appWithChecker();
    const layer = (id: string) => lambda.LayerVersion.fromLayerVersionArn(stack, id, `arn:aws:lambda:us-east-1:111111111111:layer:${id}:1`);
    const cluster = new eks.Cluster(stack, 'Cluster', {
      version: eks.KubernetesVersion.V1_32,
      vpc: importedVpc(stack),
      vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
      kubectlProviderOptions: { kubectlLayer: layer('kubectl'), awscliLayer: layer('awscli') },
    });
    const hop = new CfnParameter(stack, 'NodeClassHopLimit', { type: 'Number', allowedValues: ['1', '2'], default: 1 });
    const nodeClass = (name: string, hopLimit: number) => ({
      apiVersion: 'karpenter.k8s.aws/v1',
      kind: 'EC2NodeClass',
      metadata: { name },
      spec: {
        role: 'KarpenterNodeRole',
        amiSelectorTerms: [{ alias: 'al2023@latest' }],
        metadataOptions: { httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: hopLimit, httpTokens: 'required' },
      },
    });
    const fromParameter = cluster.addManifest('FromParameter', nodeClass('from-parameter', hop.valueAsNumber));
    cluster.addManifest('Hardened', nodeClass('hardened', 1));
    // An object inside a manifest is annotated on the construct that owns the kubectl resource: the KubernetesManifest.
    expect(stackAnnotations(stack)).toEqual([`error HopLimitAboveOne @ ${resourcePath(fromParameter)} / EC2NodeClass/from-parameter`]);
  });
});

// ---------------------------------------------------------------------------------------- validation plugin

describe('policy-validation plugin (Validations.of(app).addPlugins)', () => {
  function appWithPlugin(hopLimit: number): { app: App; launchTemplate: ec2.CfnLaunchTemplate } {
    const app = new App();
    addPlugins(app, new ImdsHopLimitValidationPlugin());
    const stack = new Stack(app, 'Nodes');
    const launchTemplate = new ec2.CfnLaunchTemplate(stack, 'NodeLaunchTemplate', {
      launchTemplateData: { metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: hopLimit } },
    });
    return { app, launchTemplate };
  }

  test('fails synth with an error naming HopLimitAboveOne for a launch template with hop limit 2', () => {
    const { app } = appWithPlugin(2);
    expect(synthValidation(app)).toEqual({ failed: true, output: expect.stringMatching(/HopLimitAboveOne/) });
  });

  test('lets the same app synthesize with the launch template at hop limit 1', () => {
    const { app } = appWithPlugin(1);
    expect(synthValidation(app).failed).toBe(false);
  });

  test('does not fail synth on a finding acknowledged with ImdsAcknowledgements', () => {
    const { app, launchTemplate } = appWithPlugin(2);
    ImdsAcknowledgements.add(launchTemplate, [{ ruleId: RuleId.HOP_LIMIT_ABOVE_ONE, reason: 'build host without containers; tracked in OPS-1234' }]);
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined); // the report of the acknowledged finding
    try {
      expect(synthValidation(app).failed).toBe(false);
    } finally {
      errors.mockRestore();
    }
  });
});
