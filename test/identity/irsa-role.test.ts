process.env.CDK_VALIDATION = 'false';
import { App, CfnJson, Fn, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { HardenedCluster } from '../../src/cluster/hardened-cluster';
import { IrsaRole, IrsaRoleOptions } from '../../src/identity';
import { ACCOUNT, importedCluster, ISSUER, logicalId, OIDC_PROVIDER_ARN, objectNamed, objectsOfKind, statementsOfRole, trustOf, userLabels } from '../support/cdk';

/**
 * A HardenedCluster (no Karpenter) with two IRSA roles, one with read/write on a bucket, and a
 * control role. With the feature flag `cdk init` sets, so the cluster's OIDC provider is an
 * `AWS::IAM::OIDCProvider` (aws-eks-v2 deprecates its custom-resource provider).
 */
function concreteFixture() {
  const app = new App({ context: { [cxapi.EKS_USE_NATIVE_OIDC_PROVIDER]: true } });
  const stack = new Stack(app, 'Platform');
  const cluster = new HardenedCluster(stack, 'Cluster', { karpenterEnabled: false });
  const identity = cluster.addIrsaRole('Legacy', { serviceAccountNamespace: 'orders', serviceAccount: 'legacy-api' });
  const second = cluster.addIrsaRole('Reports', { serviceAccountNamespace: 'reports', serviceAccount: 'reports' });
  const bucket = new s3.Bucket(stack, 'Data');
  bucket.grantReadWrite(identity);
  const control = new iam.Role(stack, 'Control', { assumedBy: new iam.AccountRootPrincipal() });
  bucket.grantReadWrite(control);
  return { app, stack, cluster, identity, second, bucket, control, template: Template.fromStack(stack) };
}

function importedFixture(
  options: Partial<IrsaRoleOptions> = {},
  oidc: boolean | string = true,
  after?: (stack: Stack, identity: IrsaRole) => void,
) {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const cluster = importedCluster(stack, { clusterName: 'prod', oidc });
  const identity = new IrsaRole(stack, 'Identity', { cluster, serviceAccountNamespace: 'orders', serviceAccount: 'legacy-api', ...options });
  after?.(stack, identity);
  return { app, stack, cluster, identity, template: Template.fromStack(stack) };
}

/**
 * The JSON a `Custom::AWSCDKCfnJson` resource resolves to, with `placeholder` for every part of its
 * `Fn::Join` equal to `token` (the issuer, resolved).
 */
function cfnJsonValue(template: Template, id: string, token: unknown, placeholder: string): any {
  const value = template.toJSON().Resources[id].Properties.Value;
  const parts: unknown[] = typeof value === 'string' ? [value] : value['Fn::Join'][1];
  return JSON.parse(parts.map((p) => {
    if (typeof p === 'string') {
      return p;
    }
    expect(p).toEqual(token);
    return placeholder;
  }).join(''));
}

describe('IrsaRole on a HardenedCluster (addIrsaRole)', () => {
  const { stack, cluster, identity, second, bucket, control, template } = concreteFixture();
  const roleId = logicalId(stack, identity.role);
  const providerId = logicalId(stack, cluster.openIdConnectProvider);
  const issuer = stack.resolve(cluster.openIdConnectProvider.openIdConnectProviderIssuer);
  const conditionsId = logicalId(stack, identity.node.findChild('TrustConditions') as CfnJson);

  test('the role trusts the cluster\'s OIDC provider for sts:AssumeRoleWithWebIdentity only, under StringEquals', () => {
    const trust = trustOf(template, roleId);
    expect(trust).toEqual([{
      Effect: 'Allow',
      Action: 'sts:AssumeRoleWithWebIdentity',
      Principal: { Federated: { Ref: providerId } },
      Condition: { StringEquals: { 'Fn::GetAtt': [conditionsId, 'Value'] } },
    }]);
  });

  test('the conditions (CfnJson, the issuer being a token) are exactly :sub = system:serviceaccount:<ns>:<sa> and :aud = sts.amazonaws.com', () => {
    template.hasResource('Custom::AWSCDKCfnJson', {});
    expect(JSON.stringify(issuer)).toContain(providerId);
    expect(cfnJsonValue(template, conditionsId, issuer, '<issuer>')).toEqual({
      '<issuer>:sub': 'system:serviceaccount:orders:legacy-api',
      '<issuer>:aud': 'sts.amazonaws.com',
    });
  });

  test('the ServiceAccount object is annotated with the role\'s ARN (eks.amazonaws.com/role-arn), and nothing else', () => {
    const { object } = objectNamed(template, 'ServiceAccount', 'legacy-api', 'orders');
    expect(object.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': `<${roleId}.Arn>` });
    expect(userLabels(object)).toBeUndefined();
  });

  test('no Pod Identity association, no namespace: IRSA needs neither', () => {
    template.resourceCountIs('AWS::EKS::PodIdentityAssociation', 0);
    expect(objectsOfKind(template, 'Namespace')).toEqual([]);
  });

  test('one OIDC provider for the cluster, shared by both roles', () => {
    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template.resourceCountIs('Custom::AWSCDKOpenIdConnectProvider', 0);
    const secondId = logicalId(stack, second.role);
    expect(trustOf(template, secondId)[0].Principal).toEqual({ Federated: { Ref: providerId } });
  });

  test('bucket.grantReadWrite(identity) gives exactly the bucket\'s actions on the bucket\'s ARNs', () => {
    const bucketArn = stack.resolve(bucket.bucketArn);
    const statements = statementsOfRole(template, roleId);
    expect(statements).toEqual(statementsOfRole(template, logicalId(stack, control)));
    expect(statements).toHaveLength(1);
    expect(statements[0].Resource).toEqual([bucketArn, { 'Fn::Join': ['', [bucketArn, '/*']] }]);
    expect(identity.grantPrincipal).toBe(identity.role);
  });
});

describe('IrsaRole on an imported cluster', () => {
  const { stack, identity, template } = importedFixture();
  const roleId = logicalId(stack, identity.role);

  test('a literal issuer needs no CfnJson: the conditions are written in the trust itself', () => {
    template.resourceCountIs('Custom::AWSCDKCfnJson', 0);
    expect(trustOf(template, roleId)).toEqual([{
      Effect: 'Allow',
      Action: 'sts:AssumeRoleWithWebIdentity',
      Principal: { Federated: OIDC_PROVIDER_ARN },
      Condition: {
        StringEquals: {
          [`${ISSUER}:sub`]: 'system:serviceaccount:orders:legacy-api',
          [`${ISSUER}:aud`]: 'sts.amazonaws.com',
        },
      },
    }]);
  });

  test('the ServiceAccount object names the role', () => {
    expect(objectNamed(template, 'ServiceAccount', 'legacy-api', 'orders').object.metadata.annotations)
      .toEqual({ 'eks.amazonaws.com/role-arn': `<${roleId}.Arn>` });
  });

  test('synthesizes the same template twice', () => {
    expect(importedFixture().template.toJSON()).toEqual(template.toJSON());
  });
});

describe('IrsaRole options', () => {
  test('a provider ARN that is a token: the conditions go through CfnJson', () => {
    const { stack, cluster, identity, template } = importedFixture({}, Fn.importValue('OidcProviderArn'));
    const conditionsId = logicalId(stack, identity.node.findChild('TrustConditions') as CfnJson);
    expect(trustOf(template, logicalId(stack, identity.role))[0].Condition).toEqual({ StringEquals: { 'Fn::GetAtt': [conditionsId, 'Value'] } });
    const issuer = stack.resolve(cluster.openIdConnectProvider.openIdConnectProviderIssuer);
    expect(cfnJsonValue(template, conditionsId, issuer, '<issuer>')).toEqual({
      '<issuer>:sub': 'system:serviceaccount:orders:legacy-api',
      '<issuer>:aud': 'sts.amazonaws.com',
    });
  });

  test('an imported cluster without openIdConnectProvider is refused, with the fixes', () => {
    expect(() => importedFixture({}, false)).toThrow(
      /\[ClusterWithoutOidcProvider\] Stack\/Identity: cluster Stack\/C was imported without openIdConnectProvider.*fromClusterAttributes\(\).*OidcProviderNative\.fromOidcProviderArn.*`role`.*PodIdentity/);
  });

  test('an adopted role needs no OIDC provider; its trust is left as it is and the annotation names it', () => {
    const stack = new Stack(new App(), 'Stack');
    const cluster = importedCluster(stack, { oidc: false });
    const existing = new iam.Role(stack, 'Existing', { assumedBy: new iam.FederatedPrincipal(OIDC_PROVIDER_ARN, {}, 'sts:AssumeRoleWithWebIdentity') });
    const identity = new IrsaRole(stack, 'Identity', { cluster, serviceAccountNamespace: 'orders', serviceAccount: 'legacy-api', role: existing });
    new s3.Bucket(stack, 'Data').grantRead(identity);
    const template = Template.fromStack(stack);
    const existingId = logicalId(stack, existing);
    expect(identity.role).toBe(existing);
    expect(identity.node.tryFindChild('Role')).toBeUndefined();
    template.resourceCountIs('AWS::IAM::Role', 1);
    expect(trustOf(template, existingId)).toEqual([{ Action: 'sts:AssumeRoleWithWebIdentity', Effect: 'Allow', Principal: { Federated: OIDC_PROVIDER_ARN } }]);
    expect(objectNamed(template, 'ServiceAccount', 'legacy-api', 'orders').object.metadata.annotations)
      .toEqual({ 'eks.amazonaws.com/role-arn': `<${existingId}.Arn>` });
    expect(statementsOfRole(template, existingId)).toHaveLength(1);
  });

  test('createServiceAccount: false creates no Kubernetes object, createNamespace the namespace', () => {
    importedFixture({ createServiceAccount: false }).template.resourceCountIs('Custom::AWSCDK-EKS-KubernetesResource', 0);
    const { template } = importedFixture({ createServiceAccount: false, createNamespace: true });
    expect(objectsOfKind(template, 'Namespace').map(({ object }) => object.metadata.name)).toEqual(['orders']);
    expect(objectsOfKind(template, 'ServiceAccount')).toEqual([]);
  });

  test('annotations given are kept beside the role ARN; labels and overwrite reach the object', () => {
    const { stack, identity, template } = importedFixture({
      serviceAccountAnnotations: { 'eks.amazonaws.com/sts-regional-endpoints': 'true' },
      serviceAccountLabels: { team: 'orders' },
      overwriteServiceAccount: true,
    });
    const { object, resource } = objectNamed(template, 'ServiceAccount', 'legacy-api', 'orders');
    expect(object.metadata.annotations).toEqual({
      'eks.amazonaws.com/sts-regional-endpoints': 'true',
      'eks.amazonaws.com/role-arn': `<${logicalId(stack, identity.role)}.Arn>`,
    });
    expect(userLabels(object)).toEqual({ team: 'orders' });
    expect(resource.Properties.Overwrite).toBe(true);
  });

});
