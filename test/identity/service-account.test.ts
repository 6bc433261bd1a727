process.env.CDK_VALIDATION = 'false';
import { App, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as eksl1 from 'aws-cdk-lib/aws-eks';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { IrsaRole, PodIdentity, WorkloadIdentityOptions } from '../../src/identity';
import { Karpenter } from '../../src/karpenter/karpenter';
import { importedCluster, logicalId, objectsOfKind } from '../support/cdk';

type Kind = typeof PodIdentity | typeof IrsaRole;
const KINDS: Array<[string, Kind]> = [['PodIdentity', PodIdentity], ['IrsaRole', IrsaRole]];

function stackWithCluster() {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  return { app, stack, cluster: importedCluster(stack) };
}

function make(kind: Kind, options: Partial<WorkloadIdentityOptions> = {}) {
  const { stack, cluster } = stackWithCluster();
  return new kind(stack, 'Identity', { cluster, serviceAccountNamespace: 'orders', serviceAccount: 'orders-api', ...options });
}

describe.each(KINDS)('%s refuses names that cannot name exactly one service account', (name, kind) => {
  test.each([
    ['Orders', 'uppercase'],
    ['-orders', 'leading dash'],
    ['orders-', 'trailing dash'],
    ['team_a', 'underscore'],
    ['team.a', 'a dot (labels have none)'],
    ['a'.repeat(64), '64 characters'],
    ['', 'empty'],
  ])('namespace "%s" (%s)', (namespace) => {
    expect(() => make(kind, { serviceAccountNamespace: namespace })).toThrow(new RegExp(
      `^\\[InvalidNamespace\\] Stack/Identity: serviceAccountNamespace "${namespace}" is not a Kubernetes namespace name \\(a DNS-1123 label\\): at most 63 .*Use e\\.g\\.`));
  });

  test.each([
    ['OrdersApi', 'uppercase'],
    ['orders..api', 'an empty part'],
    ['.orders', 'leading dot'],
    ['orders-.api', 'a part ending in a dash'],
    ['orders api', 'a space'],
    ['a'.repeat(254), '254 characters'],
    ['', 'empty'],
  ])('serviceAccount "%s" (%s)', (serviceAccount) => {
    expect(() => make(kind, { serviceAccount })).toThrow(new RegExp(
      `^\\[InvalidServiceAccountName\\] Stack/Identity: serviceAccount "${serviceAccount}" is not a Kubernetes service account name \\(a DNS-1123 subdomain\\): at most 253 .*Use e\\.g\\.`));
  });

  test.each([
    ['serviceAccountNamespace', '*'],
    ['serviceAccountNamespace', 'team-*'],
    ['serviceAccount', '*'],
    ['serviceAccount', 'api-?'],
  ])('a wildcard in %s ("%s"), with its own advice', (prop, value) => {
    expect(() => make(kind, { [prop]: value })).toThrow(new RegExp(
      `^\\[WildcardInServiceAccountTarget\\] Stack/Identity: ${prop} "${value.replace(/[*?]/g, '\\$&')}" contains a wildcard.*` +
      `StringEquals.*add one ${name} per service account\\.$`));
  });

  test('the longest names and dotted service accounts are accepted', () => {
    expect(() => make(kind, { serviceAccountNamespace: 'a'.repeat(63), serviceAccount: `${'b'.repeat(61)}.${'c'.repeat(191)}` })).not.toThrow();
    expect(() => make(kind, { serviceAccountNamespace: '0', serviceAccount: 'a.b-c.d9' })).not.toThrow();
  });

  test('tokens are not judged (deployment will)', () => {
    expect(() => make(kind, {
      serviceAccountNamespace: Lazy.string({ produce: () => 'Not_Valid' }),
      serviceAccount: Lazy.string({ produce: () => '*' }),
    })).not.toThrow();
  });

  test('an eks.amazonaws.com/role-arn annotation is refused', () => {
    expect(() => make(kind, { serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111111111111:role/x' } }))
      .toThrow(new RegExp(`^\\[RoleArnAnnotation\\] Stack/Identity: serviceAccountAnnotations sets "eks.amazonaws.com/role-arn"\\. ${
        name === 'IrsaRole' ? 'This IrsaRole writes it itself' : 'The service account gets its role through Pod Identity.*try IRSA first'}`));
  });

  test.each(['default', 'kube-system', 'kube-public', 'kube-node-lease'])('createNamespace on "%s", which always exists', (namespace) => {
    expect(() => make(kind, { serviceAccountNamespace: namespace, createNamespace: true })).toThrow(new RegExp(
      `\\[NamespaceAlwaysExists\\] Stack/Identity: createNamespace is true but serviceAccountNamespace "${namespace}" exists on every cluster.*set it to false`));
    expect(() => make(kind, { serviceAccountNamespace: namespace })).not.toThrow();
  });
});

describe('one identity per service account and cluster', () => {
  const DUPLICATE = /^\[DuplicateWorkloadIdentity\] Stack\/Second: orders\/orders-api on cluster Stack\/C already has an identity: the (\w+|Pod Identity association) at (\S+)\. .*Remove one of them, or give this workload its own service account\.$/;

  test.each([
    ['PodIdentity', 'PodIdentity', PodIdentity, PodIdentity],
    ['PodIdentity', 'IrsaRole', PodIdentity, IrsaRole],
    ['IrsaRole', 'PodIdentity', IrsaRole, PodIdentity],
    ['IrsaRole', 'IrsaRole', IrsaRole, IrsaRole],
  ])('%s first, then %s, for the same namespace and service account', (firstName, _secondName, first: Kind, second: Kind) => {
    const { stack, cluster } = stackWithCluster();
    new first(stack, 'First', { cluster, serviceAccountNamespace: 'orders', serviceAccount: 'orders-api' });
    let error: Error | undefined;
    try {
      new second(stack, 'Second', { cluster, serviceAccountNamespace: 'orders', serviceAccount: 'orders-api' });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(DUPLICATE);
    expect(error!.message.match(DUPLICATE)!.slice(1)).toEqual([firstName, 'Stack/First']);
  });

  test('across stacks: the same cluster imported in two stacks of the app', () => {
    const { app, stack, cluster } = stackWithCluster();
    new PodIdentity(stack, 'First', { cluster, serviceAccountNamespace: 'orders', serviceAccount: 'orders-api' });
    const other = new Stack(app, 'Other');
    expect(() => new IrsaRole(other, 'Second', { cluster: importedCluster(other), serviceAccountNamespace: 'orders', serviceAccount: 'orders-api' }))
      .toThrow(/\[DuplicateWorkloadIdentity\] Other\/Second: orders\/orders-api on cluster Other\/C already has an identity: the PodIdentity at Stack\/First\./);
  });

  test('Karpenter\'s own association (kube-system/karpenter) counts', () => {
    const { stack, cluster } = stackWithCluster();
    new Karpenter(stack, 'Karpenter', { cluster });
    expect(() => new PodIdentity(stack, 'Second', { cluster, serviceAccountNamespace: 'kube-system', serviceAccount: 'karpenter', podIdentityAgent: false }))
      .toThrow(/\[DuplicateWorkloadIdentity\] .*kube-system\/karpenter .*the Karpenter controller at Stack\/Karpenter\./);
  });

  test('Karpenter made after an identity for kube-system/karpenter is refused too (the order does not matter)', () => {
    const { stack, cluster } = stackWithCluster();
    new PodIdentity(stack, 'First', { cluster, serviceAccountNamespace: 'kube-system', serviceAccount: 'karpenter', podIdentityAgent: false });
    expect(() => new Karpenter(stack, 'Karpenter', { cluster, podIdentityAgent: false }))
      .toThrow(/\[DuplicateWorkloadIdentity\] Stack\/Karpenter: kube-system\/karpenter .*the PodIdentity at Stack\/First\./);
  });

  test('an L1 association anywhere in the app counts', () => {
    const { stack, cluster } = stackWithCluster();
    new eksl1.CfnPodIdentityAssociation(stack, 'Raw', { clusterName: 'c', namespace: 'orders', serviceAccount: 'orders-api', roleArn: 'arn:aws:iam::111111111111:role/r' });
    expect(() => new IrsaRole(stack, 'Second', { cluster, serviceAccountNamespace: 'orders', serviceAccount: 'orders-api' }))
      .toThrow(/the Pod Identity association at Stack\/Raw\./);
  });

  test('another service account, namespace or cluster is another identity', () => {
    const { stack, cluster } = stackWithCluster();
    const other = importedCluster(stack, { id: 'Other', clusterName: 'other' });
    new PodIdentity(stack, 'A', { cluster, serviceAccountNamespace: 'orders', serviceAccount: 'orders-api' });
    expect(() => {
      new PodIdentity(stack, 'B', { cluster, serviceAccountNamespace: 'orders', serviceAccount: 'worker' });
      new PodIdentity(stack, 'C2', { cluster, serviceAccountNamespace: 'billing', serviceAccount: 'orders-api' });
      new PodIdentity(stack, 'D', { cluster: other, serviceAccountNamespace: 'orders', serviceAccount: 'orders-api' });
      new IrsaRole(stack, 'E', { cluster: other, serviceAccountNamespace: 'orders', serviceAccount: 'reports' });
    }).not.toThrow();
    Template.fromStack(stack).resourceCountIs('AWS::EKS::PodIdentityAssociation', 4);
  });

  test('tokens are not compared', () => {
    const { stack, cluster } = stackWithCluster();
    const ns = Lazy.string({ produce: () => 'orders' });
    new PodIdentity(stack, 'A', { cluster, serviceAccountNamespace: ns, serviceAccount: 'orders-api' });
    expect(() => new PodIdentity(stack, 'B', { cluster, serviceAccountNamespace: ns, serviceAccount: 'orders-api' })).not.toThrow();
  });
});

describe('namespaces', () => {
  test('created once per cluster and namespace, under the cluster, however many identities ask', () => {
    const { stack, cluster } = stackWithCluster();
    const other = importedCluster(stack, { id: 'Other', clusterName: 'other' });
    new PodIdentity(stack, 'A', { cluster, serviceAccountNamespace: 'orders', serviceAccount: 'a', createNamespace: true });
    new IrsaRole(stack, 'B', { cluster, serviceAccountNamespace: 'orders', serviceAccount: 'b', createNamespace: true });
    new PodIdentity(stack, 'C2', { cluster, serviceAccountNamespace: 'orders', serviceAccount: 'c' });
    new PodIdentity(stack, 'D', { cluster: other, serviceAccountNamespace: 'orders', serviceAccount: 'd', createNamespace: true });
    const template = Template.fromStack(stack);
    const namespaces = objectsOfKind(template, 'Namespace');
    expect(namespaces.map(({ resource }) => resource.Properties.ClusterName).sort()).toEqual(['c', 'other']);
    const ofC = namespaces.find(({ resource }) => resource.Properties.ClusterName === 'c')!;
    expect(logicalId(stack, cluster.node.findChild('WorkloadNamespaces').node.findChild('orders'))).toBe(ofC.id);
    const dependsOn = Object.fromEntries(objectsOfKind(template, 'ServiceAccount').map(({ object, resource }) => [object.metadata.name, resource.DependsOn]));
    expect(dependsOn.a).toEqual([ofC.id]);
    expect(dependsOn.b).toEqual([ofC.id]);
    // Did not ask for it: the namespace is someone else's business.
    expect(dependsOn.c).toBeUndefined();
  });

  test('a namespace that is a token is created by the identity itself', () => {
    const { stack, cluster } = stackWithCluster();
    const identity = new PodIdentity(stack, 'A', { cluster, serviceAccountNamespace: Lazy.string({ produce: () => 'late' }), serviceAccount: 'a', createNamespace: true });
    expect(identity.node.tryFindChild('Namespace')).toBeInstanceOf(eks.KubernetesManifest);
    expect(objectsOfKind(Template.fromStack(stack), 'Namespace').map(({ object }) => object.metadata.name)).toEqual(['late']);
  });
});
