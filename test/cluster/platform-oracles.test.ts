// Independent oracles over the whole platform: cdk-nag's AwsSolutions pack and the Karpenter CRDs
// (OpenAPI schema + x-kubernetes-validations CEL rules), as an API server would judge the objects.
process.env.CDK_VALIDATION = 'false';
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AmiAlias, AmiFamily, AmiSelectorTerm, CapacityType, HardenedCluster } from '../../src';
import { addPlugins, HAS_NATIVE_ACKNOWLEDGEMENTS } from '../support/compat';
import { kubernetesObjectsIn, validateKarpenterObject } from '../support/crd-validator';

const app = new App();
const stack = new Stack(app, 'Platform');
const cluster = new HardenedCluster(stack, 'Cluster', {
  defaultNodeClassOptions: { amiSelectorTerms: [AmiSelectorTerm.fromAlias(AmiAlias.of(AmiFamily.AL2023, 'v20251117'))] },
});
cluster.addNodePool('spot', { nodeClass: cluster.defaultNodeClass!, capacityTypes: [CapacityType.SPOT, CapacityType.ON_DEMAND] });
addPlugins(app, new AwsSolutionsChecks(app));
const assembly = app.synth();
const template = assembly.getStackByName('Platform').template;

// cdk-nag's acknowledgements are aws-cdk-lib's native ones (Validations), which 2.251.0 does not have.
(HAS_NATIVE_ACKNOWLEDGEMENTS ? describe : describe.skip)('cdk-nag AwsSolutions on the hardened platform', () => {
  const reportFile = path.join(assembly.directory, 'validation-report.json');
  const report = HAS_NATIVE_ACKNOWLEDGEMENTS ? JSON.parse(fs.readFileSync(reportFile, 'utf-8')) : { pluginReports: [] };
  const nag = report.pluginReports.find((r: any) => r.pluginName === 'AwsSolutions');

  test('reports no unacknowledged violation (synth did not fail, the report concludes success)', () => {
    expect(nag.conclusion).toBe('success');
    expect(nag.violations).toEqual([]);
  });

  test('every acknowledgement carries a written reason', () => {
    expect(nag.suppressedViolations.length).toBeGreaterThan(0);
    for (const v of nag.suppressedViolations) {
      expect([v.ruleName, typeof v.reason === 'string' && v.reason.length >= 40]).toEqual([v.ruleName, true]);
    }
  });

  test('acknowledges nothing but AWS managed policies, the kubectl handler aws-cdk-lib creates, the interruption queue DLQ and Karpenter\'s read-only wildcards', () => {
    const rules = new Set(nag.suppressedViolations.map((v: any) => String(v.ruleName).replace(/\[.*$/, '')));
    expect([...rules].sort()).toEqual(['AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-L1', 'AwsSolutions-SQS3']);
    const wildcard = nag.suppressedViolations.filter((v: any) => v.ruleName.startsWith('AwsSolutions-IAM5'));
    expect(wildcard.flatMap((v: any) => v.violatingConstructs.map((c: any) => c.constructPath)))
      .toEqual(wildcard.map(() => expect.stringMatching(
        /^Platform\/Cluster\/(KubectlProvider\/|Karpenter\/ControllerPolicy\/(ResourceDiscovery|ZonalShift)$)/)));
    // Karpenter's: only its read-only statements, each with its reason.
    const karpenter = wildcard.filter((v: any) => JSON.stringify(v.violatingConstructs).includes('ControllerPolicy'));
    expect(karpenter.map((v: any) => v.ruleName).sort()).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:instance-profile/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>::parameter/aws/service/*]',
    ]);
  });
});

describe('Karpenter objects against the vendored CRDs', () => {
  // What CloudFormation puts in place of the ids the node class selects by.
  const deployTimeValue = (intrinsic: any, t: any) => {
    const ref = intrinsic?.Ref;
    if (ref && t.Resources[ref]?.Type === 'AWS::EC2::Subnet') return 'subnet-0123456789abcdef0';
    if (intrinsic?.['Fn::GetAtt']?.[1] === 'ClusterSecurityGroupId') return 'sg-0123456789abcdef0';
    return undefined;
  };
  const objects = kubernetesObjectsIn(template, deployTimeValue).filter(({ object }) => /^karpenter\./.test(String(object?.apiVersion)));

  test('the platform renders its EC2NodeClass and both NodePools', () => {
    expect(objects.map(({ object }) => `${object.kind}/${object.metadata.name}`).sort())
      .toEqual(['EC2NodeClass/default', 'NodePool/default', 'NodePool/spot']);
  });

  test.each(objects.map(({ object }) => [`${object.kind}/${object.metadata.name}`, object]))('%s passes the CRD schema and CEL rules', (_name, object) => {
    expect(validateKarpenterObject(object)).toEqual([]);
  });
});
