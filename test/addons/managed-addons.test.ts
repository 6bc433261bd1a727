// EKS managed add-ons on their own Pod Identity: the add-on's PodIdentityAssociations, a scoped
// trust, the add-on's documented managed policy, and the service account claimed.
process.env.CDK_VALIDATION = 'false'; // CloudFormation schema validation is an oracle elsewhere; it is slow.

import { App, Aspects, Aws, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { CloudWatchObservability, EfsCsiDriver, Finding, HardenedCluster, ImdsAudit, ImdsHopLimitChecker, PodIdentity, RuleId } from '../../src';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function platform() {
  const stack = new Stack(new App(), 'Platform', { env: ENV });
  const cluster = new HardenedCluster(stack, 'Cluster');
  return { stack, cluster };
}

describe.each([
  ['addEfsCsiDriver', 'aws-efs-csi-driver', 'kube-system', 'efs-csi-controller-sa', 'service-role/AmazonEFSCSIDriverPolicy', 'v2.0.4-eksbuild.1', 'v2.0.5-eksbuild.1'],
  ['addCloudWatchObservability', 'amazon-cloudwatch-observability', 'amazon-cloudwatch', 'cloudwatch-agent', 'CloudWatchAgentServerPolicy', 'v3.0.9-eksbuild.4', 'v3.1.0-eksbuild.1'],
] as const)('HardenedCluster.%s()', (method, addonName, namespace, serviceAccount, policy, tooOld, firstGood) => {
  const install = (cluster: HardenedCluster, options: any = {}): EfsCsiDriver | CloudWatchObservability => (cluster as any)[method](options);

  test('the managed add-on holds the association for its service account, on a role with a scoped trust and the managed policy', () => {
    const { stack, cluster } = platform();
    const added = install(cluster);
    const template = Template.fromStack(stack);
    const addon = Object.values(template.findResources('AWS::EKS::Addon', { Properties: { AddonName: addonName } }))[0] as any;
    expect(addon.Properties.PodIdentityAssociations).toEqual([{ RoleArn: { 'Fn::GetAtt': [stack.getLogicalId(added.role.node.defaultChild as any), 'Arn'] }, ServiceAccount: serviceAccount }]);
    expect(addon.Properties.AddonVersion).toBeUndefined();
    expect(addon.DependsOn.some((d: string) => d.startsWith('ClusterSystemNodes'))).toBe(true);
    const role = template.toJSON().Resources[stack.getLogicalId(added.role.node.defaultChild as any)];
    const statement = role.Properties.AssumeRolePolicyDocument.Statement[0];
    expect(statement.Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    expect(statement.Condition.StringEquals['aws:RequestTag/kubernetes-namespace']).toBe(namespace);
    expect(statement.Condition.StringEquals['aws:RequestTag/kubernetes-service-account']).toBe(serviceAccount);
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain(`:iam::aws:policy/${policy}`);
    // No standalone association: the add-on owns it.
    expect(Object.values(template.findResources('AWS::EKS::PodIdentityAssociation')).map((r: any) => r.Properties.ServiceAccount)).not.toContain(serviceAccount);
    expect(ImdsAudit.ofStack(stack)).toEqual([]);
  });

  test('the service account is claimed: a PodIdentity for it afterwards is refused', () => {
    const { stack, cluster } = platform();
    install(cluster);
    expect(() => new PodIdentity(stack, 'Again', { cluster, serviceAccountNamespace: namespace, serviceAccount })).toThrow(new RegExp(`${serviceAccount}`));
  });

  test(`a version before Pod Identity support (${tooOld}) is refused, ${firstGood} and configuration values are passed`, () => {
    expect(() => install(platform().cluster, { version: tooOld })).toThrow(/AddonVersionWithoutPodIdentity/);
    expect(() => install(platform().cluster, { version: 'latest' })).toThrow(/InvalidAddonVersion.*vX\.Y\.Z-eksbuild\.N/);
    const { stack, cluster } = platform();
    install(cluster, { version: firstGood, configurationValues: { tolerations: [] } });
    const addon = Object.values(Template.fromStack(stack).findResources('AWS::EKS::Addon', { Properties: { AddonName: addonName } }))[0] as any;
    expect(addon.Properties.AddonVersion).toBe(firstGood);
    expect(JSON.parse(addon.Properties.ConfigurationValues)).toEqual({ tolerations: [] });
  });

  test('a second call is refused', () => {
    const { cluster } = platform();
    install(cluster);
    expect(() => install(cluster)).toThrow(new RegExp(`AddonExists.*${method}\\(\\) was already called`));
  });
});

describe('AddonNeedsImds on aws-eks-v2 Addon (L2) inputs', () => {
  function withAddon(addonName: string, configurationValues?: Record<string, unknown>) {
    const stack = new Stack(new App(), 'L2Addon', { env: { account: '111111111111', region: 'eu-west-1' } });
    const cluster = new HardenedCluster(stack, 'Cluster');
    new eks.Addon(stack, 'Addon', { cluster, addonName, ...(configurationValues ? { configurationValues } : {}) });
    const addonFindings = (findings: Finding[]) =>
      findings.filter((f) => f.ruleId === RuleId.ADDON_NEEDS_IMDS || f.decidingRuleId === RuleId.ADDON_NEEDS_IMDS);
    return { stack, findings: addonFindings(ImdsAudit.ofStack(stack)) };
  }

  test('an EBS CSI add-on without a controller region is flagged, through the audit and the aspect, naming EbsCsiDriver', () => {
    const { stack, findings } = withAddon('aws-ebs-csi-driver');
    expect(findings.map((f) => [f.ruleId, f.property, f.severity])).toEqual([
      ['AddonNeedsImds', 'Properties.ConfigurationValues.controller.region', 'warning'],
    ]);
    expect(findings[0].message).toMatch(/ConfigurationValues.*describe-addon-configuration.*EbsCsiDriver/);
    Aspects.of(stack).add(new ImdsHopLimitChecker());
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AddonNeedsImds'));
    expect(warnings.map((w) => w.id)).toEqual(['/L2Addon/Addon/Resource']);
  });

  test('an EBS CSI add-on told its region (the stack\'s, a token) passes; so do EFS CSI, an add-on the rule does not know, and the cluster\'s own add-ons', () => {
    const told = withAddon('aws-ebs-csi-driver', { controller: { region: Aws.REGION } });
    const [rendered] = Object.values(Template.fromStack(told.stack).findResources('AWS::EKS::Addon', { Properties: { AddonName: 'aws-ebs-csi-driver' } }));
    // A deploy-time region inside the JSON text: the rule read it through the evaluator.
    expect(JSON.stringify(rendered.Properties.ConfigurationValues)).toContain('{"Ref":"AWS::Region"}');
    expect(told.findings).toEqual([]);
    expect(withAddon('aws-efs-csi-driver').findings).toEqual([]);
    expect(withAddon('metrics-server').findings).toEqual([]);
  });
});
