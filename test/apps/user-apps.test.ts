// The library as users run it: apps with the feature flags `cdk init` writes and without, stacks
// with an explicit environment and without, Karpenter on an imported cluster, and a platform split
// over stacks the way platform teams split it. aws-cdk-lib's CloudFormation schema validation stays
// ON (an oracle): it is what refused the controller policy as a JSON string.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Environment, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  AmiAlias, AmiFamily, AmiSelectorTerm, HardenedCluster, HardenedEc2NodeClass, ImdsAudit, IrsaRole, Karpenter, NodePool, PodIdentity,
} from '../../src';
import { addPlugins, HAS_NATIVE_ACKNOWLEDGEMENTS, pluginReports, synthValidation } from '../support/compat';
import { APP_SHAPES, AppShape, CDK_INIT_CONTEXT, shapeName, userApp } from '../support/user-apps';

const AMI = [AmiSelectorTerm.fromAlias(AmiAlias.of(AmiFamily.AL2023, 'v20251117'))];

/** The reference job: hardened cluster, Karpenter, a node class and a pool, one Pod Identity workload on a bucket. */
function referenceJob(app: App, env: Environment | undefined): Stack {
  const stack = new Stack(app, 'Platform', { env });
  const cluster = new HardenedCluster(stack, 'Cluster', { defaultNodeClassOptions: { amiSelectorTerms: AMI } });
  const bucket = new s3.Bucket(stack, 'Orders', { enforceSSL: true });
  bucket.grantReadWrite(cluster.addPodIdentity('OrdersApi', { serviceAccountNamespace: 'orders', serviceAccount: 'orders-api', createNamespace: true }));
  return stack;
}

/** Karpenter on a cluster this app did not create, as imported clusters are used: in an env-specific stack. */
function karpenterOnImportedCluster(app: App, env: Environment | undefined): Stack {
  const stack = new Stack(app, 'Autoscaling', { env });
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Existing', {
    clusterName: 'prod',
    clusterEndpoint: 'https://ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com',
    kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(stack, 'Kubectl', {
      serviceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:kubectl',
    }),
  });
  const karpenter = new Karpenter(stack, 'Karpenter', { cluster });
  const nodes = karpenter.addEc2NodeClass('general', { amiSelectorTerms: AMI });
  karpenter.addNodePool('general', { nodeClass: nodes });
  return stack;
}

/** Every managed policy document of a template, as written. */
function policyDocuments(template: Template): any[] {
  return Object.values<any>(template.findResources('AWS::IAM::ManagedPolicy')).map((p) => p.Properties.PolicyDocument);
}

/** Whether a document had to be JSON text: some condition key holds a deploy-time value. */
function isJoinedText(document: any): boolean {
  return typeof document === 'object' && document !== null && Array.isArray(document['Fn::Join']);
}

test('the cdk init fixture holds the flags that broke the controller policy', () => {
  expect(CDK_INIT_CONTEXT['@aws-cdk/core:enablePartitionLiterals']).toBe(true);
  expect(Object.keys(CDK_INIT_CONTEXT).length).toBeGreaterThan(80);
});

describe.each(APP_SHAPES)('the reference job ($flags flags, $env environment)', (shape: AppShape) => {
  const { app, env } = userApp(shape);
  const stack = referenceJob(app, env);

  test(`synthesizes (${shapeName(shape)}) with schema validation on, without an error annotation`, () => {
    const assembly = app.synth();
    expect(assembly.stacks.flatMap((s) => s.messages).filter((m) => m.level === 'error').map((m) => `${m.id}: ${m.entry.data}`)).toEqual([]);
  });

  test('the IMDS checker finds nothing', () => {
    expect(ImdsAudit.ofStack(stack)).toEqual([]);
  });

  test('every controller policy document is an object unless a condition key holds the generated cluster name', () => {
    const documents = policyDocuments(Template.fromStack(stack));
    expect(documents.length).toBeGreaterThanOrEqual(5);
    for (const document of documents) {
      if (isJoinedText(document)) {
        // Only documents whose keys carry `kubernetes.io/cluster/<Ref>` may be text.
        expect(JSON.stringify(document)).toMatch(/kubernetes\.io\/cluster\//);
      } else {
        expect(document).toEqual(expect.objectContaining({ Version: '2012-10-17', Statement: expect.any(Array) }));
      }
    }
    // The read-only groups never name the cluster in a key: objects in every shape.
    expect(documents.filter((d) => !isJoinedText(d)).length).toBeGreaterThanOrEqual(3);
  });
});

describe.each(APP_SHAPES)('Karpenter on an imported cluster ($flags flags, $env environment)', (shape: AppShape) => {
  const { app, env } = userApp(shape);
  const stack = karpenterOnImportedCluster(app, env);

  test(`synthesizes (${shapeName(shape)}) with schema validation on, and the checker finds nothing`, () => {
    expect(() => app.synth()).not.toThrow();
    expect(ImdsAudit.ofStack(stack)).toEqual([]);
  });

  test('with a literal cluster name every policy document is an object', () => {
    const documents = policyDocuments(Template.fromStack(stack));
    expect(documents.length).toBeGreaterThanOrEqual(5);
    for (const document of documents) {
      expect(isJoinedText(document)).toBe(false);
      expect(document.Statement.length).toBeGreaterThan(0);
    }
  });
});

describe.each([APP_SHAPES[0], APP_SHAPES[1]])('a platform split over stacks ($flags flags, $env environment)', (shape: AppShape) => {
  // The platform team owns the cluster; an application team owns its identities, node class and pool.
  const { app, env } = userApp(shape);
  const platform = new Stack(app, 'Platform', { env });
  const cluster = new HardenedCluster(platform, 'Cluster');
  const team = new Stack(app, 'TeamOrders', { env });
  const bucket = new s3.Bucket(team, 'Orders', { enforceSSL: true });
  const api = new PodIdentity(team, 'OrdersApi', { cluster, serviceAccountNamespace: 'orders', serviceAccount: 'orders-api', createNamespace: true });
  bucket.grantReadWrite(api);
  const legacy = new IrsaRole(team, 'OrdersReports', { cluster, serviceAccountNamespace: 'orders', serviceAccount: 'orders-reports' });
  bucket.grantRead(legacy);
  const nodeClass = new HardenedEc2NodeClass(team, 'OrdersNodes', {
    cluster,
    nodeRole: cluster.karpenter!.nodeRole,
    amiSelectorTerms: AMI,
    subnetSelectorTerms: cluster.nodeSubnetSelectorTerms,
    securityGroupSelectorTerms: cluster.nodeSecurityGroupSelectorTerms,
  });
  new NodePool(team, 'OrdersPool', { cluster, nodeClass });

  test(`synthesizes without a dependency cycle (${shapeName(shape)})`, () => {
    expect(() => app.synth()).not.toThrow();
    // The team stack depends on the platform, never the other way round.
    expect(team.dependencies).toContain(platform);
    expect(platform.dependencies).not.toContain(team);
  });

  test('the team\'s Kubernetes objects and roles land in the team stack', () => {
    const teamTemplate = Template.fromStack(team);
    teamTemplate.resourceCountIs('AWS::EKS::PodIdentityAssociation', 1);
    const kinds = Object.values<any>(teamTemplate.findResources('Custom::AWSCDK-EKS-KubernetesResource'))
      .map((r) => JSON.stringify(r.Properties.Manifest));
    expect(kinds.join('\n')).toContain('EC2NodeClass');
    expect(kinds.join('\n')).toContain('NodePool');
    expect(kinds.join('\n')).toContain('ServiceAccount');
    Template.fromStack(platform).resourceCountIs('AWS::EKS::PodIdentityAssociation', 1); // Karpenter's (the VPC CNI's belongs to its add-on)
  });

  test('the checker finds nothing in either stack', () => {
    expect(ImdsAudit.ofStack(platform)).toEqual([]);
    expect(ImdsAudit.ofStack(team)).toEqual([]);
  });
});

// cdk-nag names findings by rendered values: with the cdk init flags and an explicit env, the
// partition, region and account in them are literals, and the library's acknowledgements must match.
(HAS_NATIVE_ACKNOWLEDGEMENTS ? describe : describe.skip)('cdk-nag AwsSolutions on the reference job (cdk init flags, explicit environment)', () => {
  test('no unacknowledged finding on anything the library creates', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'user-apps-nag-'));
    const { app, env } = userApp({ flags: 'cdk-init', env: 'explicit' });
    const nagApp = new App({ outdir, context: app.node.getAllContext() });
    referenceJob(nagApp, env);
    addPlugins(nagApp, new AwsSolutionsChecks(nagApp));
    synthValidation(nagApp);
    const nag = pluginReports(outdir).find((r) => r.pluginName === 'AwsSolutions');
    const paths = (nag?.violations ?? []).flatMap((v: any) => v.violatingConstructs.map((c: any) => `${c.constructPath} ${v.ruleName}`));
    // What the user's own code writes: a bucket without access logs, and the grants of
    // bucket.grantReadWrite() (aws-cdk-lib's s3:GetObject* ... on the bucket's objects).
    const users = /^Platform\/(Orders\/Resource AwsSolutions-S1|Cluster\/OrdersApi\/Role\/DefaultPolicy\/Resource AwsSolutions-IAM5\[(Action::s3:|Resource::<Orders))/;
    expect(paths.filter((p: string) => !users.test(p))).toEqual([]);
    expect(paths.length).toBeGreaterThan(0); // the user's findings are there: cdk-nag did run
  });
});
