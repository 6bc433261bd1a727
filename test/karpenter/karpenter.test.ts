process.env.CDK_VALIDATION = 'false';
import * as fs from 'fs';
import * as path from 'path';
import { KubectlV36Layer } from '@aws-cdk/lambda-layer-kubectl-v36';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as YAML from 'yaml';
import { ImdsAudit } from '../../src';
import { Karpenter, KarpenterCrds, KarpenterOptions } from '../../src/karpenter/karpenter';
import { logicalId, podIdentityTrustStatement } from '../support/cdk';
import { cfnJson, list, statementsBySid } from '../support/cfn-strings';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const ENDPOINT = 'https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com';

/** A cluster defined in the app (about 5 s to synthesize): one per file. */
function concreteFixture() {
  const app = new App();
  const stack = new Stack(app, 'Platform');
  const cluster = new eks.Cluster(stack, 'Cluster', {
    version: eks.KubernetesVersion.of('1.36'),
    defaultCapacity: 0,
    defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
    kubectlProviderOptions: { kubectlLayer: new KubectlV36Layer(stack, 'KubectlLayer') },
  });
  const karpenter = new Karpenter(stack, 'Karpenter', { cluster });
  const nodeClass = karpenter.addEc2NodeClass('Default');
  const nodePool = karpenter.addNodePool('General', { nodeClass });
  return { app, stack, cluster, karpenter, nodeClass, nodePool, template: Template.fromStack(stack) };
}

/** An existing cluster reached through its kubectl provider: cheap, and enough for most options. */
function importedFixture(
  options: KarpenterOptions = {},
  attributes: Partial<eks.ClusterAttributes> = {},
  before?: (stack: Stack, cluster: eks.ICluster) => void,
  after?: (karpenter: Karpenter) => void,
) {
  const app = new App();
  const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: REGION } });
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
    clusterName: 'prod',
    clusterEndpoint: ENDPOINT,
    kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(stack, 'Kubectl', {
      serviceToken: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:kubectl`,
    }),
    ...attributes,
  });
  before?.(stack, cluster);
  const karpenter = new Karpenter(stack, 'Karpenter', { cluster, ...options });
  after?.(karpenter);
  return { app, stack, cluster, karpenter, template: Template.fromStack(stack) };
}

function chartOf(template: Template, chart = 'karpenter'): { id: string; resource: any } {
  const charts = Object.entries<any>(template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: chart } }));
  expect(charts).toHaveLength(1);
  return { id: charts[0][0], resource: charts[0][1] };
}

function helmValues(template: Template): any {
  return cfnJson(chartOf(template).resource.Properties.Values);
}

function crdManifests(template: Template): Array<{ id: string; resource: any; crd: any }> {
  return Object.entries<any>(template.findResources('Custom::AWSCDK-EKS-KubernetesResource'))
    .map(([id, resource]) => ({ id, resource, objects: cfnJson(resource.Properties.Manifest) }))
    .filter(({ objects }) => objects[0].kind === 'CustomResourceDefinition')
    .map(({ id, resource, objects }) => ({ id, resource, crd: objects[0] }));
}

describe('Karpenter on a cluster defined in the app', () => {
  const { stack, cluster, karpenter, nodeClass, nodePool, template } = concreteFixture();
  const clusterId = logicalId(stack, cluster);
  const controllerRoleId = logicalId(stack, karpenter.controllerRole);
  const nodeRoleId = logicalId(stack, karpenter.nodeRole);

  test('the controller role trusts pods.eks.amazonaws.com only for this cluster, namespace, service account and account', () => {
    const trust = template.toJSON().Resources[controllerRoleId].Properties.AssumeRolePolicyDocument;
    expect(trust.Statement).toEqual([podIdentityTrustStatement(clusterId, 'kube-system', 'karpenter')]);
  });

  test('a Pod Identity association binds kube-system/karpenter to the controller role, session tags on', () => {
    template.resourceCountIs('AWS::EKS::PodIdentityAssociation', 1);
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      ClusterName: { Ref: clusterId },
      Namespace: 'kube-system',
      ServiceAccount: 'karpenter',
      RoleArn: { 'Fn::GetAtt': [controllerRoleId, 'Arn'] },
      DisableSessionTags: false,
    });
  });

  test('the eks-pod-identity-agent add-on is the cluster\'s own, created once', () => {
    template.resourceCountIs('AWS::EKS::Addon', 1);
    template.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'eks-pod-identity-agent', ClusterName: { Ref: clusterId } });
    expect(cluster.node.tryFindChild('EksPodIdentityAgentAddon')).toBeDefined();
  });

  test('no IRSA: no role-arn annotation and no OIDC provider', () => {
    expect(JSON.stringify(helmValues(template))).not.toContain('role-arn');
    template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    template.resourceCountIs('Custom::AWSCDKOpenIdConnectProvider', 0);
  });

  test('the chart comes from oci://public.ecr.aws/karpenter/karpenter, pinned to 1.14.1, into kube-system, without its CRDs', () => {
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Repository: 'oci://public.ecr.aws/karpenter/karpenter',
      Chart: 'karpenter',
      Version: '1.14.1',
      Release: 'karpenter',
      Namespace: 'kube-system',
      SkipCrds: true,
      CreateNamespace: Match.absent(),
    });
  });

  test('the chart values give the cluster name and endpoint, the queue name, the service account and AWS_REGION', () => {
    const values = helmValues(template);
    const queueId = logicalId(stack, karpenter.interruptionQueue!);
    expect(values).toEqual({
      settings: {
        clusterName: `<${clusterId}>`,
        clusterEndpoint: `<${clusterId}.Endpoint>`,
        interruptionQueue: `<${queueId}.QueueName>`,
      },
      serviceAccount: { name: 'karpenter' },
      controller: { env: [{ name: 'AWS_REGION', value: '<AWS::Region>' }] },
    });
  });

  test('the node role: trusted by EC2, worker + ECR pull-only + SSM policies, no CNI and no ECR read-only policy', () => {
    const role = template.toJSON().Resources[nodeRoleId];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' } },
    ]);
    const policies = role.Properties.ManagedPolicyArns.map((arn: unknown) => JSON.stringify(arn).match(/policy\/([\w-]+)/)?.[1]).sort();
    expect(policies).toEqual(['AmazonEC2ContainerRegistryPullOnly', 'AmazonEKSWorkerNodePolicy', 'AmazonSSMManagedInstanceCore']);
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).not.toMatch(/AmazonEKS_CNI_Policy|AmazonEC2ContainerRegistryReadOnly/);
    expect(role.Properties.Policies).toBeUndefined();
    expect(role.Properties.RoleName).toBeUndefined();
  });

  test('the node role joins the cluster through an EC2_LINUX access entry', () => {
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      ClusterName: { Ref: clusterId },
      PrincipalArn: { 'Fn::GetAtt': [nodeRoleId, 'Arn'] },
      Type: 'EC2_LINUX',
      AccessPolicies: [],
    });
  });

  test('the controller may pass the node role and no other; its policies name this cluster', () => {
    const statements = statementsBySid(template);
    expect(statements.get('AllowPassingInstanceRole')!.Resource).toBe(`<${nodeRoleId}.Arn>`);
    expect(statements.get('AllowAPIServerEndpointDiscovery')!.Resource).toBe(`<${clusterId}.Arn>`);
    expect(statements.get('AllowScopedDeletion')!.Condition!.StringEquals).toEqual({ [`aws:ResourceTag/kubernetes.io/cluster/<${clusterId}>`]: 'owned' });
  });

  test('the vendored CRDs are applied, retained on deletion, before the chart', () => {
    const crds = crdManifests(template);
    expect(crds.map((c) => c.crd.metadata.name).sort()).toEqual(['ec2nodeclasses.karpenter.k8s.aws', 'nodeclaims.karpenter.sh', 'nodepools.karpenter.sh']);
    const chart = chartOf(template);
    for (const { id, resource } of crds) {
      expect(resource.Properties.Overwrite).toBe(true);
      expect(resource.DeletionPolicy).toBe('Retain');
      expect(chart.resource.DependsOn).toContain(id);
    }
  });

  test('the chart waits for the controller\'s identity, policies, add-on and node access', () => {
    const { resource } = chartOf(template);
    const ids = (type: string, props?: object) => Object.keys(template.findResources(type, props ? { Properties: props } : undefined));
    const expected = [
      ...ids('AWS::EKS::PodIdentityAssociation'),
      ...ids('AWS::IAM::ManagedPolicy'),
      ...ids('AWS::EKS::Addon', { AddonName: 'eks-pod-identity-agent' }),
      ...ids('AWS::EKS::AccessEntry', { PrincipalArn: { 'Fn::GetAtt': [nodeRoleId, 'Arn'] } }),
    ];
    expect(expected).toHaveLength(10);
    expect(resource.DependsOn).toEqual(expect.arrayContaining(expected));
  });

  test('addEc2NodeClass: an EC2NodeClass for the node role, hop limit 1, applied after the chart', () => {
    const manifests = Object.entries<any>(template.findResources('Custom::AWSCDK-EKS-KubernetesResource'))
      .map(([id, resource]) => ({ id, resource, object: cfnJson(resource.Properties.Manifest)[0] }))
      .filter(({ object }) => object.kind === 'EC2NodeClass');
    expect(manifests).toHaveLength(1);
    const [{ id, resource, object }] = manifests;
    expect(object.metadata.name).toBe(nodeClass.nodeClassName);
    expect(object.spec.role).toBe(`<${nodeRoleId}>`);
    expect(object.spec.metadataOptions).toEqual({
      httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 1, httpTokens: 'required',
    });
    expect(resource.DependsOn).toContain(chartOf(template).id);
    expect(id).toBe(stack.resolve((nodeClass.manifest.node.defaultChild as any).logicalId));
  });

  test('addNodePool: a NodePool on the node class, applied after the chart and the node class', () => {
    const manifests = Object.entries<any>(template.findResources('Custom::AWSCDK-EKS-KubernetesResource'))
      .map(([id, resource]) => ({ id, resource, object: cfnJson(resource.Properties.Manifest)[0] }));
    const pools = manifests.filter(({ object }) => object.kind === 'NodePool');
    expect(pools).toHaveLength(1);
    const [{ resource, object }] = pools;
    expect(object.apiVersion).toBe('karpenter.sh/v1');
    expect(object.metadata.name).toBe(nodePool.nodePoolName);
    expect(object.spec.template.spec.nodeClassRef).toEqual({ group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: nodeClass.nodeClassName });
    const nodeClassId = manifests.find(({ object: o }) => o.kind === 'EC2NodeClass')!.id;
    expect(resource.DependsOn).toEqual(expect.arrayContaining([chartOf(template).id, nodeClassId]));
  });

  test('the IMDS checker finds nothing, EC2NodeClass included', () => {
    expect(ImdsAudit.ofStack(stack)).toEqual([]);
  });
});

describe('Karpenter on an imported cluster', () => {
  const { stack, karpenter, template } = importedFixture();

  test('gets a new eks-pod-identity-agent add-on when none is defined in the app', () => {
    template.resourceCountIs('AWS::EKS::Addon', 1);
    template.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'eks-pod-identity-agent', ClusterName: 'prod' });
  });

  test('AWS_REGION is the stack\'s region and the endpoint the imported one', () => {
    const values = helmValues(template);
    expect(values.controller.env).toEqual([{ name: 'AWS_REGION', value: REGION }]);
    expect(values.settings).toMatchObject({ clusterName: 'prod', clusterEndpoint: ENDPOINT });
    expect(values.settings.interruptionQueue).toBe(`<${logicalId(stack, karpenter.interruptionQueue!)}.QueueName>`);
  });

  test('the trust is scoped to the imported cluster\'s ARN', () => {
    const trust = template.toJSON().Resources[logicalId(stack, karpenter.controllerRole)].Properties.AssumeRolePolicyDocument;
    expect(trust.Statement[0].Condition.StringEquals['aws:SourceAccount']).toBe(ACCOUNT);
    expect(JSON.stringify(trust.Statement[0].Condition.StringEquals['aws:RequestTag/eks-cluster-arn'])).toContain(`:eks:${REGION}:${ACCOUNT}:cluster/prod`);
  });

  test('synthesizes byte for byte the same twice', () => {
    const synth = () => {
      const { app } = importedFixture();
      const assembly = app.synth();
      return fs.readFileSync(path.join(assembly.directory, assembly.getStackByName('Stack').templateFile), 'utf8');
    };
    expect(synth()).toBe(synth());
  });

  test('the CRD manifests are the vendored files, unchanged', () => {
    const dir = path.join(__dirname, '..', '..', 'crds');
    expect(crdManifests(template)).toHaveLength(3);
    for (const { crd } of crdManifests(template)) {
      const file = fs.readdirSync(dir).find((f) => f.endsWith('.yaml') && YAML.parse(fs.readFileSync(path.join(dir, f), 'utf8')).metadata.name === crd.metadata.name)!;
      const vendored = YAML.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      expect(crd.spec).toEqual(vendored.spec);
      expect(crd.metadata.annotations).toEqual(vendored.metadata.annotations);
    }
  });
});

describe('Karpenter options', () => {
  test('reuses an eks-pod-identity-agent add-on already defined for the cluster', () => {
    const { template } = importedFixture({}, {}, (stack, cluster) => {
      new eks.Addon(stack, 'Agent', { cluster, addonName: 'eks-pod-identity-agent' });
    });
    template.resourceCountIs('AWS::EKS::Addon', 1);
    const agentId = Object.keys(template.findResources('AWS::EKS::Addon'))[0];
    expect(chartOf(template).resource.DependsOn).toContain(agentId);
  });

  test('podIdentityAgent: false creates no add-on', () => {
    importedFixture({ podIdentityAgent: false }).template.resourceCountIs('AWS::EKS::Addon', 0);
  });

  test('another namespace: created by the chart, and the association and the trust follow it', () => {
    const { stack, karpenter, template } = importedFixture({ controllerNamespace: 'karpenter' });
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Namespace: 'karpenter', CreateNamespace: true });
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: 'karpenter', ServiceAccount: 'karpenter' });
    const trust = template.toJSON().Resources[logicalId(stack, karpenter.controllerRole)].Properties.AssumeRolePolicyDocument;
    expect(trust.Statement[0].Condition.StringEquals['aws:RequestTag/kubernetes-namespace']).toBe('karpenter');
    expect(karpenter.controllerNamespace).toBe('karpenter');
  });

  test('a given node role: no new role, an access entry for it, and the only role the controller may pass', () => {
    const { template } = importedFixture({ nodeRole: iam.Role.fromRoleArn(new Stack(), 'R', `arn:aws:iam::${ACCOUNT}:role/nodes`) });
    expect(Object.values<any>(template.findResources('AWS::IAM::Role')).some((r) => JSON.stringify(r).includes('ec2.amazonaws.com'))).toBe(false);
    template.hasResourceProperties('AWS::EKS::AccessEntry', { PrincipalArn: `arn:aws:iam::${ACCOUNT}:role/nodes`, Type: 'EC2_LINUX' });
    expect(statementsBySid(template).get('AllowPassingInstanceRole')!.Resource).toBe(`arn:aws:iam::${ACCOUNT}:role/nodes`);
  });

  test('nodeAccessEntry: false creates no access entry', () => {
    importedFixture({ nodeAccessEntry: false }).template.resourceCountIs('AWS::EKS::AccessEntry', 0);
  });

  test('interruptionQueue: false: no queue, no rules, no queue setting and no sqs permission', () => {
    const { karpenter, template } = importedFixture({ interruptionQueue: false });
    template.resourceCountIs('AWS::SQS::Queue', 0);
    template.resourceCountIs('AWS::Events::Rule', 0);
    expect(helmValues(template).settings.interruptionQueue).toBeUndefined();
    expect([...statementsBySid(template).values()].some((s) => list(s.Action).some((a) => a.startsWith('sqs:')))).toBe(false);
    expect(karpenter.interruptionQueue).toBeUndefined();
  });

  test('zonalShift: false drops the zonal-shift read', () => {
    expect(statementsBySid(importedFixture({ zonalShift: false }).template).has('AllowZonalShiftStatusReadOnly')).toBe(false);
  });

  test('helmValues are merged over ours; controller.env is merged by name and keeps AWS_REGION', () => {
    const values = helmValues(importedFixture({
      helmValues: {
        replicas: 1,
        settings: { featureGates: { spotToSpotConsolidation: true } },
        controller: { env: [{ name: 'LOG_LEVEL', value: 'debug' }], resources: { requests: { cpu: '1' } } },
      },
    }).template);
    expect(values.replicas).toBe(1);
    expect(values.settings).toMatchObject({ clusterName: 'prod', clusterEndpoint: ENDPOINT, featureGates: { spotToSpotConsolidation: true } });
    expect(values.controller.env).toEqual([{ name: 'AWS_REGION', value: REGION }, { name: 'LOG_LEVEL', value: 'debug' }]);
    expect(values.controller.resources).toEqual({ requests: { cpu: '1' } });
  });

  test('helmValues may set AWS_REGION explicitly', () => {
    const values = helmValues(importedFixture({ helmValues: { controller: { env: [{ name: 'AWS_REGION', value: 'us-east-2' }] } } }).template);
    expect(values.controller.env).toEqual([{ name: 'AWS_REGION', value: 'us-east-2' }]);
  });

  test('crds: CRD_CHART installs the karpenter-crd chart of the same version before the controller chart', () => {
    const { template } = importedFixture({ version: '1.15.0', crds: KarpenterCrds.CRD_CHART });
    expect(crdManifests(template)).toEqual([]);
    const crdChart = chartOf(template, 'karpenter-crd');
    expect(crdChart.resource.Properties).toMatchObject({
      Repository: 'oci://public.ecr.aws/karpenter/karpenter-crd', Version: '1.15.0', Namespace: 'kube-system', Release: 'karpenter-crd',
    });
    expect(chartOf(template).resource.Properties.Version).toBe('1.15.0');
    expect(chartOf(template).resource.DependsOn).toContain(crdChart.id);
  });

  test('crds: NONE installs no CRDs', () => {
    const { template } = importedFixture({ crds: KarpenterCrds.NONE });
    expect(crdManifests(template)).toEqual([]);
    template.resourceCountIs('Custom::AWSCDK-EKS-HelmChart', 1);
  });

  test('the IMDS checker finds nothing with every option changed', () => {
    const { stack } = importedFixture({ controllerNamespace: 'karpenter', interruptionQueue: false, zonalShift: false, version: '1.15.0', crds: KarpenterCrds.CRD_CHART });
    expect(ImdsAudit.ofStack(stack)).toEqual([]);
  });
});

test('addEc2NodeClass with a customer managed root-volume key lets the controller use the key', () => {
  let key: kms.Key | undefined;
  const { stack, karpenter, template } = importedFixture({}, {},
    (st) => { key = new kms.Key(st, 'NodeKey'); },
    (k) => { k.addEc2NodeClass('Encrypted', { rootVolume: { kmsKey: key } }); });
  const keyArn = { 'Fn::GetAtt': [logicalId(stack, key!), 'Arn'] };
  template.hasResourceProperties('AWS::IAM::Policy', {
    Roles: [{ Ref: logicalId(stack, karpenter.controllerRole) }],
    PolicyDocument: {
      Statement: [{
        Effect: 'Allow',
        Resource: keyArn,
        Action: Match.arrayEquals(['kms:CreateGrant', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:DescribeKey']),
      }],
    },
  });
});

describe('Karpenter refuses', () => {
  test('a version other than the vendored CRDs\' without a CRD choice', () => {
    expect(() => importedFixture({ version: '1.15.0' })).toThrow(/\[KarpenterCrdsVersionMismatch\].*"1\.15\.0".*KarpenterCrds\.CRD_CHART/);
    expect(() => importedFixture({ version: '1.15.0', crds: KarpenterCrds.VENDORED })).toThrow(/KarpenterCrdsVersionMismatch/);
  });

  test('a version with a leading v, saying what to write instead', () => {
    expect(() => importedFixture({ version: 'v1.14.1' })).toThrow(/\[InvalidKarpenterVersion\].*Drop the leading "v": "1\.14\.1"/);
  });

  test('a namespace that is not a DNS label', () => {
    expect(() => importedFixture({ controllerNamespace: 'Karpenter_NS' })).toThrow(/\[InvalidKarpenterNamespace\].*"Karpenter_NS"/);
  });

  test('an imported cluster without an endpoint, naming the attribute to pass', () => {
    expect(() => importedFixture({}, { clusterEndpoint: undefined })).toThrow(/\[ClusterEndpointUnknown\].*clusterEndpoint.*fromClusterAttributes/);
  });

  test('another service account name, or an IRSA annotation', () => {
    expect(() => importedFixture({ helmValues: { serviceAccount: { name: 'other' } } })).toThrow(/\[KarpenterServiceAccountFixed\].*"other"/);
    expect(() => importedFixture({ helmValues: { serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' } } } }))
      .toThrow(/\[KarpenterIrsaAnnotation\]/);
  });

  test('a controller.env that is not a list of named variables', () => {
    expect(() => importedFixture({ helmValues: { controller: { env: { AWS_REGION: 'x' } } } })).toThrow(/\[InvalidControllerEnv\]/);
  });
});
