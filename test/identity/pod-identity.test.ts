process.env.CDK_VALIDATION = 'false';
import { App, Lazy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { HardenedCluster } from '../../src/cluster/hardened-cluster';
import { PodIdentity, PodIdentityOptions } from '../../src/identity';
import { ACCOUNT, importedCluster, logicalId, objectNamed, objectsOfKind, REGION, statementsOfRole, trustOf, userLabels } from '../support/cdk';

/** A HardenedCluster (no Karpenter: not what is under test) with one identity and a control role. */
function concreteFixture() {
  const app = new App();
  const stack = new Stack(app, 'Platform');
  const cluster = new HardenedCluster(stack, 'Cluster', { karpenterEnabled: false });
  const identity = cluster.addPodIdentity('OrdersApi', { serviceAccountNamespace: 'orders', serviceAccount: 'orders-api' });
  const bucket = new s3.Bucket(stack, 'Data');
  bucket.grantReadWrite(identity);
  // What the same grant gives any role: the identity must get exactly this.
  const control = new iam.Role(stack, 'Control', { assumedBy: new iam.AccountRootPrincipal() });
  bucket.grantReadWrite(control);
  return { app, stack, cluster, identity, bucket, control, template: Template.fromStack(stack) };
}

/** A PodIdentity on an imported cluster, in a stack with an account and region. */
function importedFixture(
  options: Partial<PodIdentityOptions> = {},
  before?: (stack: Stack, cluster: eks.ICluster) => void,
  after?: (stack: Stack, identity: PodIdentity) => void,
) {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: REGION } });
  const cluster = importedCluster(stack, { clusterName: 'prod' });
  before?.(stack, cluster);
  const identity = new PodIdentity(stack, 'Identity', { cluster, serviceAccountNamespace: 'orders', serviceAccount: 'orders-api', ...options });
  after?.(stack, identity);
  return { app, stack, cluster, identity, template: Template.fromStack(stack) };
}

describe('PodIdentity on a HardenedCluster (addPodIdentity)', () => {
  const { stack, cluster, identity, bucket, control, template } = concreteFixture();
  const clusterId = logicalId(stack, cluster);
  const roleId = logicalId(stack, identity.role);

  test('the role trusts pods.eks.amazonaws.com for sts:AssumeRole and sts:TagSession, and nothing else', () => {
    const trust = trustOf(template, roleId);
    expect(trust).toHaveLength(1);
    expect(trust[0]).toMatchObject({ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' } });
    expect([...trust[0].Action].sort()).toEqual(['sts:AssumeRole', 'sts:TagSession']);
  });

  test('the trust is conditioned (StringEquals) on the account, the cluster ARN, the namespace and the service account', () => {
    expect(Object.keys(trustOf(template, roleId)[0].Condition)).toEqual(['StringEquals']);
    expect(trustOf(template, roleId)[0].Condition.StringEquals).toEqual({
      'aws:SourceAccount': { Ref: 'AWS::AccountId' },
      'aws:RequestTag/eks-cluster-arn': { 'Fn::GetAtt': [clusterId, 'Arn'] },
      'aws:RequestTag/kubernetes-namespace': 'orders',
      'aws:RequestTag/kubernetes-service-account': 'orders-api',
    });
  });

  test('an AWS::EKS::PodIdentityAssociation binds orders/orders-api to the role, session tags on', () => {
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      ClusterName: { Ref: clusterId },
      Namespace: 'orders',
      ServiceAccount: 'orders-api',
      RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
      DisableSessionTags: false,
    });
    expect(stack.resolve(identity.podIdentityAssociation.roleArn)).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
  });

  test('the cluster\'s own eks-pod-identity-agent add-on is reused, and the association comes after it', () => {
    const agents = template.findResources('AWS::EKS::Addon', { Properties: { AddonName: 'eks-pod-identity-agent' } });
    expect(Object.keys(agents)).toEqual([logicalId(stack, cluster.node.findChild('EksPodIdentityAgentAddon'))]);
    const association = template.findResources('AWS::EKS::PodIdentityAssociation', { Properties: { ServiceAccount: 'orders-api' } });
    expect(Object.values<any>(association)[0].DependsOn).toContain(Object.keys(agents)[0]);
  });

  test('the ServiceAccount object carries no eks.amazonaws.com/role-arn annotation (no annotation at all)', () => {
    const { object, resource } = objectNamed(template, 'ServiceAccount', 'orders-api', 'orders');
    expect(object.metadata.annotations).toBeUndefined();
    expect(JSON.stringify(resource.Properties.Manifest)).not.toContain('role-arn');
    expect(userLabels(object)).toBeUndefined();
    expect(resource.Properties.Overwrite).toBe(false);
  });

  test('no namespace is created by default', () => {
    expect(objectsOfKind(template, 'Namespace')).toEqual([]);
  });

  test('it is an IGrantable whose principal is the role', () => {
    expect(identity.grantPrincipal).toBe(identity.role);
    expect(identity.role).toBeInstanceOf(iam.Role);
    expect([identity.serviceAccountNamespace, identity.serviceAccountName, identity.cluster]).toEqual(['orders', 'orders-api', cluster]);
  });

  test('bucket.grantReadWrite(identity) gives exactly the bucket\'s actions on the bucket\'s ARNs', () => {
    const bucketArn = stack.resolve(bucket.bucketArn);
    const statements = statementsOfRole(template, roleId);
    expect(statements).toEqual(statementsOfRole(template, logicalId(stack, control)));
    expect(statements).toHaveLength(1);
    expect(statements[0].Effect).toBe('Allow');
    expect(statements[0].Resource).toEqual([bucketArn, { 'Fn::Join': ['', [bucketArn, '/*']] }]);
    expect(statements[0].Action).toEqual(expect.arrayContaining(['s3:GetObject*', 's3:PutObject', 's3:DeleteObject*', 's3:List*']));
    expect(JSON.stringify(statements)).not.toMatch(/"\*"|s3:\*/);
  });
});

describe('PodIdentity on an imported cluster', () => {
  const { stack, identity, template } = importedFixture({ createNamespace: true });
  const roleId = logicalId(stack, identity.role);

  test('the trust names the imported cluster\'s ARN and the stack\'s account', () => {
    const conditions = trustOf(template, roleId)[0].Condition.StringEquals;
    expect(conditions['aws:SourceAccount']).toBe(ACCOUNT);
    expect(JSON.stringify(conditions['aws:RequestTag/eks-cluster-arn'])).toContain(`:eks:${REGION}:${ACCOUNT}:cluster/prod`);
  });

  test('gets a new eks-pod-identity-agent add-on, since an imported cluster has none in the app', () => {
    template.resourceCountIs('AWS::EKS::Addon', 1);
    template.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'eks-pod-identity-agent', ClusterName: 'prod' });
    const agentId = Object.keys(template.findResources('AWS::EKS::Addon'))[0];
    template.hasResource('AWS::EKS::PodIdentityAssociation', { DependsOn: Match.arrayWith([agentId]) });
  });

  test('createNamespace: the Namespace object, and the ServiceAccount created after it', () => {
    const namespace = objectNamed(template, 'Namespace', 'orders');
    const serviceAccount = objectNamed(template, 'ServiceAccount', 'orders-api', 'orders');
    expect(serviceAccount.resource.DependsOn).toContain(namespace.id);
    expect(namespace.resource.Properties.ClusterName).toBe('prod');
  });

  test('synthesizes the same template twice', () => {
    const again = importedFixture({ createNamespace: true }).template.toJSON();
    expect(again).toEqual(template.toJSON());
  });
});

describe('PodIdentity options', () => {
  test('a second identity on the same imported cluster reuses the add-on the first created', () => {
    const { template } = importedFixture({}, undefined, (stack, first) => {
      new PodIdentity(stack, 'Second', { cluster: first.cluster, serviceAccountNamespace: 'orders', serviceAccount: 'worker' });
    });
    template.resourceCountIs('AWS::EKS::Addon', 1);
    const agentId = Object.keys(template.findResources('AWS::EKS::Addon'))[0];
    const associations = Object.values<any>(template.findResources('AWS::EKS::PodIdentityAssociation'));
    expect(associations.map((a) => a.DependsOn)).toEqual([[agentId], [agentId]]);
  });

  test('reuses an eks-pod-identity-agent add-on already defined for the cluster', () => {
    const { template } = importedFixture({}, (stack, cluster) => {
      new eks.Addon(stack, 'Agent', { cluster, addonName: 'eks-pod-identity-agent' });
    });
    template.resourceCountIs('AWS::EKS::Addon', 1);
    const agentId = Object.keys(template.findResources('AWS::EKS::Addon'))[0];
    expect(agentId).toMatch(/^Agent/);
    template.hasResource('AWS::EKS::PodIdentityAssociation', { DependsOn: [agentId] });
  });

  test('podIdentityAgent: false creates no add-on and no dependency', () => {
    const { template } = importedFixture({ podIdentityAgent: false });
    template.resourceCountIs('AWS::EKS::Addon', 0);
    template.hasResource('AWS::EKS::PodIdentityAssociation', { DependsOn: Match.absent() });
  });

  test('an adopted role: no role created, its trust left as it is, grants and the association go to it', () => {
    let existing!: iam.Role;
    let withRole!: PodIdentity;
    const { stack, template } = importedFixture({}, (s) => {
      existing = new iam.Role(s, 'Existing', { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com') });
    }, (s, first) => {
      withRole = new PodIdentity(s, 'WithRole', {
        cluster: first.cluster, serviceAccountNamespace: 'orders', serviceAccount: 'adopter', role: existing, podIdentityAgent: false,
      });
      new s3.Bucket(s, 'Data').grantRead(withRole);
    });
    const existingId = logicalId(stack, existing);
    expect(withRole.role).toBe(existing);
    expect(withRole.grantPrincipal).toBe(existing);
    expect(withRole.node.tryFindChild('Role')).toBeUndefined();
    expect(trustOf(template, existingId)).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' } }]);
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { ServiceAccount: 'adopter', RoleArn: { 'Fn::GetAtt': [existingId, 'Arn'] } });
    expect(statementsOfRole(template, existingId)).toHaveLength(1);
    // The existing role and the first identity's own role: none for the adopter.
    template.resourceCountIs('AWS::IAM::Role', 2);
  });

  test('an imported role ARN: the association names it and no role is created', () => {
    const { template } = importedFixture({ role: iam.Role.fromRoleArn(new Stack(), 'R', `arn:aws:iam::${ACCOUNT}:role/orders`) });
    template.resourceCountIs('AWS::IAM::Role', 0);
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { RoleArn: `arn:aws:iam::${ACCOUNT}:role/orders` });
  });

  test('createServiceAccount: false creates no Kubernetes object', () => {
    const { template } = importedFixture({ createServiceAccount: false });
    template.resourceCountIs('Custom::AWSCDK-EKS-KubernetesResource', 0);
    template.resourceCountIs('AWS::EKS::PodIdentityAssociation', 1);
  });

  test('createNamespace without createServiceAccount creates the namespace only', () => {
    const { template } = importedFixture({ createServiceAccount: false, createNamespace: true });
    expect(objectsOfKind(template, 'Namespace').map(({ object }) => object.metadata.name)).toEqual(['orders']);
    expect(objectsOfKind(template, 'ServiceAccount')).toEqual([]);
  });

  test('labels, annotations and overwrite reach the ServiceAccount object', () => {
    const { template } = importedFixture({
      serviceAccountLabels: { 'app.kubernetes.io/name': 'orders' },
      serviceAccountAnnotations: { 'example.com/owner': 'team-a' },
      overwriteServiceAccount: true,
    });
    const { object, resource } = objectNamed(template, 'ServiceAccount', 'orders-api', 'orders');
    expect(userLabels(object)).toEqual({ 'app.kubernetes.io/name': 'orders' });
    expect(object.metadata.annotations).toEqual({ 'example.com/owner': 'team-a' });
    expect(resource.Properties.Overwrite).toBe(true);
  });

  test('a namespace and service account given as tokens are passed through', () => {
    const { template } = importedFixture({
      serviceAccountNamespace: Lazy.string({ produce: () => 'late-ns' }),
      serviceAccount: Lazy.string({ produce: () => 'late-sa' }),
    });
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: 'late-ns', ServiceAccount: 'late-sa' });
    expect(objectNamed(template, 'ServiceAccount', 'late-sa', 'late-ns').object.metadata.annotations).toBeUndefined();
  });
});
