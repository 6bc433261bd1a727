// EKS managed add-ons on their own Pod Identity: the add-on's PodIdentityAssociations, a scoped
// trust, the add-on's documented managed policy, and the service account claimed.
process.env.CDK_VALIDATION = 'false'; // CloudFormation schema validation is an oracle elsewhere; it is slow.

import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CloudWatchObservability, EfsCsiDriver, HardenedCluster, ImdsAudit, PodIdentity } from '../../src';

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
