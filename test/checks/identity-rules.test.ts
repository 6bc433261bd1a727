// The identity rules (IrsaTrustWithoutSubject, IrsaTrustWildcardSubject,
// PodIdentityTrustWithoutTagSession, PodIdentityTrustUnscoped, NodeRoleWorkloadPolicy,
// WorkloadRoleWildcard): every case of test/fixtures/identity/cases.ts through the engine, the CLI
// and the aspect (CfnInclude), then the aspect on aws-cdk-lib L2 inputs, the validation plugin and
// the SARIF rule metadata.
process.env.CDK_VALIDATION = 'false'; // CloudFormation schema validation is an oracle elsewhere; it is slow.

import * as fs from 'fs';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { IConstruct } from 'constructs';
import { ImdsHopLimitValidationPlugin, RuleCatalogue, RuleId } from '../../src';
import { auditTemplate } from '../../src/checks/engine';
import { toSarifLog } from '../../src/checks/report/sarif';
import { auditPaths } from '../../src/checks/sources/audit-paths';
import {
  IDENTITY_CASES, IDENTITY_FIXTURES, IdentityCase, identityFixturePath, IdentityRuleId,
} from '../fixtures/identity/cases';
import { addPlugins, synthValidation } from '../support/compat';
import {
  annotationLevel as level, appWithChecker as harnessApp, describeExpected, engineFindings, expectedExitCode, findingKey as key,
  findingKeys as keys, fixtureFiles, resourcePath, runCliCapturing, severityOf, stackAnnotations,
} from '../support/rule-harness';

const IDENTITY_RULES: readonly IdentityRuleId[] = [
  'IrsaTrustWithoutSubject', 'IrsaTrustWildcardSubject', 'PodIdentityTrustWithoutTagSession',
  'PodIdentityTrustUnscoped', 'NodeRoleWorkloadPolicy', 'WorkloadRoleWildcard',
];
/** The identity rules, and Unverifiable for IAM documents of workload roles that cannot be read. */
const IDENTITY_TOPICS: readonly IdentityRuleId[] = [...IDENTITY_RULES, 'Unverifiable'];

// ---------------------------------------------------------------------------------------- helpers

const appWithChecker = () => harnessApp('Identity');

// ---------------------------------------------------------------------------------------- the table

describe('the identity case table', () => {
  test('lists every fixture under test/fixtures/identity exactly once', () => {
    const listed = IDENTITY_CASES.map((c) => c.file);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(fixtureFiles(IDENTITY_FIXTURES));
  });

  test('covers every identity rule with a passing and a failing case, in JSON and in YAML', () => {
    for (const rule of IDENTITY_TOPICS) {
      expect(RuleCatalogue.has(rule)).toBe(true);
      const cases = IDENTITY_CASES.filter((c) => c.topic === rule);
      expect({ rule, pass: cases.some((c) => c.verdict === 'pass'), fail: cases.some((c) => c.verdict === 'fail') })
        .toEqual({ rule, pass: true, fail: true });
    }
    expect(IDENTITY_CASES.some((c) => c.file.endsWith('.json'))).toBe(true);
    expect(IDENTITY_CASES.some((c) => c.file.endsWith('.yaml'))).toBe(true);
  });

  test('a failing case expects its own rule, a passing case nothing', () => {
    for (const c of IDENTITY_CASES) {
      if (c.verdict === 'pass') expect({ file: c.file, expected: c.expected }).toEqual({ file: c.file, expected: [] });
      else expect(c.expected.some((e) => e.ruleId === c.topic)).toBe(true);
    }
  });
});

describe.each(IDENTITY_TOPICS)('%s', (rule) => {
  const cases = IDENTITY_CASES.filter((c) => c.topic === rule);

  describe.each(cases.map((c) => [`${c.behaviour} [${c.file}]`, c] as const))('%s', (_name, c: IdentityCase) => {
    const file = identityFixturePath(c);
    const exit = expectedExitCode(c.expected);

    test(`engine finds exactly: ${describeExpected(c.expected)}`, () => {
      const findings = engineFindings(file);
      expect(keys(findings)).toEqual(keys(c.expected));
      for (const f of findings) {
        expect({ finding: key(f), severity: f.severity }).toEqual({ finding: key(f), severity: severityOf(f.ruleId) });
        expect(f.property).toMatch(/^Properties\.(AssumeRolePolicyDocument|ManagedPolicyArns|PolicyDocument|Policies(\.\d+(\.PolicyDocument)?)?)$/);
        expect(f.message.length).toBeGreaterThan(20);
      }
    });

    test(`CLI --format json reports the same findings and exits ${exit}`, () => {
      const run = runCliCapturing(['audit', file, '--format', 'json']);
      expect(run.stderr).toBe('');
      const report = JSON.parse(run.stdout) as { findings: Array<{ ruleId: string; severity: string; resource?: string; file?: string }> };
      expect(keys(report.findings)).toEqual(keys(c.expected));
      for (const f of report.findings) {
        expect({ finding: key(f), severity: f.severity, file: f.file }).toEqual({ finding: key(f), severity: severityOf(f.ruleId), file });
      }
      expect(run.code).toBe(exit);
    });

    test(`aspect annotates the same findings on the included resources: ${describeExpected(c.expected)}`, () => {
      const { stack } = appWithChecker();
      const include = new CfnInclude(stack, 'Template', { templateFile: file });
      const expected = c.expected.map((e) => `${level(e.ruleId)} ${e.ruleId} @ ${resourcePath(include.getResource(e.resource))}`).sort();
      expect(stackAnnotations(stack)).toEqual(expected);
    });
  });
});

// ---------------------------------------------------------------------------------------- L2 inputs

describe('aspect on aws-cdk-lib L2 inputs', () => {
  // One app for every L2 input: a cluster synthesizes in about a second, so it is built once.
  const { stack } = appWithChecker();
  const layer = lambda.LayerVersion.fromLayerVersionArn(stack, 'KubectlLayer', 'arn:aws:lambda:us-east-1:111111111111:layer:kubectl:1');
  const cluster = new eks.Cluster(stack, 'Cluster', {
    version: eks.KubernetesVersion.V1_32,
    vpc: ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0a1b2c3d4e5f60000',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      privateSubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
    }),
    vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
    defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
    defaultCapacity: 0,
    kubectlProviderOptions: { kubectlLayer: layer },
  });
  const podIdentitySa = new eks.ServiceAccount(stack, 'PodIdentitySa', {
    cluster, name: 'orders', namespace: 'apps', identityType: eks.IdentityType.POD_IDENTITY,
  });
  const irsaSa = new eks.ServiceAccount(stack, 'IrsaSa', { cluster, name: 'payments', namespace: 'apps', identityType: eks.IdentityType.IRSA });
  const launchTemplate = new ec2.LaunchTemplate(stack, 'NodeLt', { httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED, httpPutResponseHopLimit: 1 });
  const nodegroup = cluster.addNodegroupCapacity('Default', {
    instanceTypes: [new ec2.InstanceType('m7i.large')],
    launchTemplateSpec: { id: launchTemplate.launchTemplateId!, version: launchTemplate.latestVersionNumber },
  });
  const webIdentityRole = new iam.Role(stack, 'WebIdentityRole', {
    assumedBy: new iam.WebIdentityPrincipal('arn:aws:iam::111111111111:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE'),
  });
  const scopedPodRole = new iam.Role(stack, 'ScopedPodRole', {
    assumedBy: new iam.SessionTagsPrincipal(new iam.ServicePrincipal('pods.eks.amazonaws.com').withConditions({
      StringEquals: {
        'aws:SourceAccount': stack.account,
        'aws:RequestTag/eks-cluster-arn': cluster.clusterArn,
        'aws:RequestTag/kubernetes-namespace': 'apps',
        'aws:RequestTag/kubernetes-service-account': 'reports',
      },
    })),
  });
  scopedPodRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
  const fnRole = new iam.Role(stack, 'FunctionRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  fnRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));

  const seen = stackAnnotations(stack);
  const onPath = (construct: IConstruct) => seen.filter((a) => a.endsWith(` @ ${resourcePath(construct)}`));
  const defaultChild = (construct: IConstruct) => construct.node.defaultChild!;

  test('aws-eks-v2 ServiceAccount with IdentityType.POD_IDENTITY: PodIdentityTrustUnscoped on its role (and nothing else)', () => {
    expect(onPath(defaultChild(podIdentitySa.role))).toEqual([`warning PodIdentityTrustUnscoped @ ${resourcePath(defaultChild(podIdentitySa.role))}`]);
  });

  test('aws-eks-v2 ServiceAccount with IdentityType.IRSA passes: StringEquals on :sub and :aud through CfnJson', () => {
    const role = defaultChild(irsaSa.role) as iam.CfnRole;
    const statement = stack.resolve(role.assumeRolePolicyDocument).Statement[0];
    expect(statement.Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(Object.keys(statement.Condition)).toEqual(['StringEquals']);
    const json = stack.node.findAll().find((c) => (c as any).cfnResourceType === 'Custom::AWSCDKCfnJson')!;
    const value = JSON.stringify(stack.resolve((json as any)._cfnProperties.Value));
    expect(value).toContain(':sub\\":\\"system:serviceaccount:apps:payments');
    expect(value).toContain(':aud\\":\\"sts.amazonaws.com');
    expect(onPath(role)).toEqual([]);
  });

  test('iam.Role with WebIdentityPrincipal and no conditions: IrsaTrustWithoutSubject on the role', () => {
    expect(onPath(defaultChild(webIdentityRole))).toEqual([`error IrsaTrustWithoutSubject @ ${resourcePath(defaultChild(webIdentityRole))}`]);
  });

  test('aws-eks-v2 node group default role (AmazonEKS_CNI_Policy, ECR ReadOnly): NodeRoleWorkloadPolicy on the role, a true positive', () => {
    const role = defaultChild(nodegroup.role);
    expect(onPath(role)).toEqual([`warning NodeRoleWorkloadPolicy @ ${resourcePath(role)}`]);
    expect(onPath(defaultChild(nodegroup))).toEqual([]); // hardened launch template
  });

  test('a scoped Pod Identity role granted s3:* on "*": WorkloadRoleWildcard on its default policy, not on the role', () => {
    const policy = scopedPodRole.node.findChild('DefaultPolicy').node.defaultChild!;
    expect(onPath(policy)).toEqual([`warning WorkloadRoleWildcard @ ${resourcePath(policy)}`]);
    expect(onPath(defaultChild(scopedPodRole))).toEqual([]);
  });

  test('the same grant on a Lambda role is not an identity finding', () => {
    expect(onPath(fnRole.node.findChild('DefaultPolicy').node.defaultChild!)).toEqual([]);
  });

  test('the whole stack has exactly these identity findings', () => {
    expect(seen.filter((a) => IDENTITY_RULES.some((r) => a.includes(` ${r} @ `)))).toEqual([
      `error IrsaTrustWithoutSubject @ ${resourcePath(defaultChild(webIdentityRole))}`,
      `warning NodeRoleWorkloadPolicy @ ${resourcePath(defaultChild(nodegroup.role))}`,
      `warning PodIdentityTrustUnscoped @ ${resourcePath(defaultChild(podIdentitySa.role))}`,
      `warning WorkloadRoleWildcard @ ${resourcePath(scopedPodRole.node.findChild('DefaultPolicy').node.defaultChild!)}`,
    ]);
  });
});

describe('Unverifiable on the IAM documents of a workload role', () => {
  const scopedPodTrust = {
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow',
      Principal: { Service: 'pods.eks.amazonaws.com' },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: { StringEquals: { 'aws:SourceAccount': '111122223333', 'aws:RequestTag/kubernetes-namespace': 'apps' } },
    }],
  };
  function findingsFor(properties: Record<string, unknown>): Array<{ ruleId: string; property?: string; message: string }> {
    const template = { Resources: { OrdersRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: scopedPodTrust, ...properties } } } };
    return auditTemplate(template).findings.map((f) => ({ ruleId: f.ruleId, property: f.property, message: f.message }));
  }

  test.each([
    ['the whole Policies list is imported', { Policies: { 'Fn::ImportValue': 'orders-policies' } }, 'Properties.Policies'],
    ['one inline policy is imported', { Policies: [{ 'Fn::ImportValue': 'orders-policy' }] }, 'Properties.Policies.0'],
    ['a statement is imported', { Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ 'Fn::ImportValue': 's' }] } }] }, 'Properties.Policies.0.PolicyDocument'],
    ['an action is imported', { Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', { 'Fn::ImportValue': 'a' }], Resource: 'arn:aws:s3:::b/*' }] } }] }, 'Properties.Policies.0.PolicyDocument'],
  ])('%s: one Unverifiable finding at the place it cannot read', (_name, properties, at) => {
    const findings = findingsFor(properties);
    expect(findings.map((f) => `${f.ruleId} @ ${f.property}`)).toEqual([`Unverifiable @ ${at}`]);
    expect(findings[0].message).toContain('Fn::ImportValue');
    expect(findings[0].message).toContain('only known at deploy time');
  });

  test('a readable policy with literal actions gives no finding, so the cases above are not noise', () => {
    expect(findingsFor({ Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::b/*' }] } }] })).toEqual([]);
  });

  test('an action only known at deploy time in a Deny statement is not a finding', () => {
    expect(findingsFor({ Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Deny', Action: { 'Fn::ImportValue': 'a' }, Resource: '*' }] } }] })).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------- plugin, SARIF, CLI help

describe('validation plugin', () => {
  test('fails synth on a Pod Identity trust without sts:TagSession (an error) and names the rule', () => {
    const app = new App();
    addPlugins(app, new ImdsHopLimitValidationPlugin());
    const stack = new Stack(app, 'Workloads');
    new iam.Role(stack, 'Orders', {
      assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': '111111111111' } } }),
    });
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(synthValidation(app)).toEqual({ failed: true, output: expect.stringMatching(/PodIdentityTrustWithoutTagSession/) });
    } finally {
      errors.mockRestore();
    }
  });

  test('lists the identity rules among its rule ids', () => {
    expect(new ImdsHopLimitValidationPlugin().ruleIds).toEqual(expect.arrayContaining([...IDENTITY_RULES]));
  });
});

describe('SARIF', () => {
  test('the identity rules are in the driver\'s rule metadata with the catalogue\'s texts, and results point at them', () => {
    const file = identityFixturePath(IDENTITY_CASES.find((c) => c.file.endsWith('aws-managed-and-not-action.yaml'))!);
    const log = toSarifLog(auditPaths([file]), { readSource: (f) => fs.readFileSync(f, 'utf8') });
    const rules = log.runs[0].tool.driver.rules!;
    for (const id of IDENTITY_RULES) {
      const rule = rules.find((r) => r.id === id)!;
      const def = RuleCatalogue.get(id);
      expect(rule.shortDescription!.text).toBe(def.summary);
      expect(rule.fullDescription!.text).toBe(def.explanation);
      expect(rule.help!.text).toBe(def.fix);
      expect(rule.defaultConfiguration!.level).toBe(def.defaultSeverity);
      expect(rule.properties!.tags).toEqual(expect.arrayContaining(['security', 'iam', 'eks']));
    }
    const results = log.runs[0].results!;
    expect(results.map((r) => r.ruleId)).toEqual([RuleId.WORKLOAD_ROLE_WILDCARD, RuleId.WORKLOAD_ROLE_WILDCARD]);
    for (const r of results) {
      expect(rules[r.ruleIndex!].id).toBe(r.ruleId);
      expect(r.locations![0].physicalLocation!.region!.startLine).toBeGreaterThan(1);
    }
  });
});

describe('CLI', () => {
  test('--help lists the identity rules with their severity', () => {
    const run = runCliCapturing(['--help']);
    for (const id of IDENTITY_RULES) {
      expect(run.stdout).toMatch(new RegExp(`^ {2}${id} +${severityOf(id)}$`, 'm'));
    }
  });

  test('--fail-on warning fails on a template with identity warnings only', () => {
    const file = identityFixturePath(IDENTITY_CASES.find((c) => c.file.endsWith('no-conditions.json'))!);
    expect(runCliCapturing(['audit', file]).code).toBe(0);
    expect(runCliCapturing(['audit', file, '--fail-on', 'warning']).code).toBe(1);
  });
});
