// Whole-platform test: aws-cdk-lib's CloudFormation schema validation stays ON here (an oracle).
//
// The reference job: a hardened cluster with Karpenter, a node class and a node pool, and one
// workload on Pod Identity with read/write on one bucket. It must fit in 15 lines of user code.
import * as fs from 'fs';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AmiAlias, AmiFamily, AmiSelectorTerm, HardenedCluster, ImdsAudit } from '../../src';
import { logicalId, objectNamed, objectsOfKind, podIdentityTrustStatement, statementsOfRole, trustOf } from '../support/cdk';

function referenceJob() {
  // --- job start
  const app = new App();
  const stack = new Stack(app, 'Platform');
  // The default node class and pool, the AMI pinned.
  const cluster = new HardenedCluster(stack, 'Cluster', {
    defaultNodeClassOptions: { amiSelectorTerms: [AmiSelectorTerm.fromAlias(AmiAlias.of(AmiFamily.AL2023, 'v20251117'))] },
  });

  const bucket = new s3.Bucket(stack, 'Orders', { enforceSSL: true });
  const orders = cluster.addPodIdentity('OrdersApi', { serviceAccountNamespace: 'orders', serviceAccount: 'orders-api', createNamespace: true });
  bucket.grantReadWrite(orders);
  // --- job end
  return { app, stack, cluster, bucket, orders };
}

describe('the reference job', () => {
  const { app, stack, cluster, bucket, orders } = referenceJob();
  const template = Template.fromStack(stack);

  test('fits in 15 lines of user code', () => {
    const source = fs.readFileSync(__filename, 'utf8');
    const job = source.slice(source.indexOf('// --- job start'), source.indexOf('// --- job end')).split('\n').slice(1);
    const lines = job.filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.length).toBeLessThanOrEqual(15);
  });

  test('synthesizes with schema validation on, and the IMDS checker finds nothing', () => {
    expect(() => app.synth()).not.toThrow();
    expect(ImdsAudit.ofStack(stack)).toEqual([]);
  });

  test('the platform is there: cluster, system nodes, Karpenter chart, node class and node pool', () => {
    template.resourceCountIs('AWS::EKS::Cluster', 1);
    template.resourceCountIs('AWS::EKS::Nodegroup', 1);
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'karpenter', Namespace: 'kube-system' });
    expect(objectsOfKind(template, 'EC2NodeClass')).toHaveLength(1);
    expect(objectsOfKind(template, 'NodePool')).toHaveLength(1);
  });

  test('the workload: its role, trusted only for orders/orders-api on this cluster through Pod Identity', () => {
    const roleId = logicalId(stack, orders.role);
    expect(trustOf(template, roleId)).toEqual([podIdentityTrustStatement(logicalId(stack, cluster), 'orders', 'orders-api')]);
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      ClusterName: { Ref: logicalId(stack, cluster) },
      Namespace: 'orders',
      ServiceAccount: 'orders-api',
      RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
      DisableSessionTags: false,
    });
  });

  test('two associations (Karpenter\'s and the workload\'s) and one eks-pod-identity-agent add-on', () => {
    template.resourceCountIs('AWS::EKS::PodIdentityAssociation', 2);
    template.resourceCountIs('AWS::EKS::Addon', 4);
    expect(Object.keys(template.findResources('AWS::EKS::Addon', { Properties: { AddonName: 'eks-pod-identity-agent' } }))).toHaveLength(1);
  });

  test('the namespace and the service account (no IRSA annotation)', () => {
    const namespace = objectNamed(template, 'Namespace', 'orders');
    const serviceAccount = objectNamed(template, 'ServiceAccount', 'orders-api', 'orders');
    expect(serviceAccount.object.metadata.annotations).toBeUndefined();
    expect(serviceAccount.resource.DependsOn).toEqual(expect.arrayContaining([namespace.id]));
  });

  test('read/write on the bucket and nothing else', () => {
    const bucketArn = stack.resolve(bucket.bucketArn);
    const statements = statementsOfRole(template, logicalId(stack, orders.role));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toEqual({
      Effect: 'Allow',
      Action: expect.any(Array),
      Resource: [bucketArn, { 'Fn::Join': ['', [bucketArn, '/*']] }],
    });
    expect(statements[0].Action).toEqual(expect.arrayContaining(['s3:GetObject*', 's3:PutObject', 's3:DeleteObject*']));
  });
});
