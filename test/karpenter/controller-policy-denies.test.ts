// The controller policy refuses non-hardened launches, as IAM decides it (an offline simulator):
// RunInstances with hop limit 2 or IMDSv1 is denied, hop limit 1 is allowed by the rest of the
// policy, a request without the metadata keys (Karpenter's dry run) is not denied, and
// ModifyInstanceMetadataOptions is denied.
process.env.CDK_VALIDATION = 'false';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { KarpenterControllerPolicy } from '../../src/karpenter/controller-policy';
import { imdsServiceControlPolicy } from '../../src/private/scp';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const INSTANCE = `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/*`;

/** The controller's managed policies as IAM documents (an explicit env and a literal cluster name: no tokens left). */
function documents(): Array<{ name: string; policy: any }> {
  const app = new App({ context: { '@aws-cdk/core:enablePartitionLiterals': true } });
  const stack = new Stack(app, 'Stack', { env: { account: ACCOUNT, region: REGION } });
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'prod' });
  const role = new iam.Role(stack, 'Controller', { assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com') });
  const nodeRole = new iam.Role(stack, 'Node', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  new KarpenterControllerPolicy(stack, 'Policy', { cluster, role, nodeRole });
  const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
  return Object.entries(policies).map(([name, p]: [string, any]) => {
    const doc = p.Properties.PolicyDocument;
    return { name, policy: withoutIntrinsics(typeof doc === 'string' ? JSON.parse(doc) : doc) };
  });
}

/** The node role's ARN (a GetAtt in the template) as the literal IAM would see. */
function withoutIntrinsics(v: any): any {
  if (Array.isArray(v)) return v.map(withoutIntrinsics);
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return `arn:aws:iam::${ACCOUNT}:role/karpenter-node`;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutIntrinsics(x)]));
  }
  return v;
}

const POLICIES = documents();

/** The decision for RunInstances on an instance, tagged as Karpenter tags its launches, with these metadata keys. */
async function decide(action: string, metadata: Record<string, string>): Promise<string> {
  const result = await runSimulation({
    identityPolicies: POLICIES,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      action,
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/karpenter/session`,
      resource: { accountId: ACCOUNT, resource: INSTANCE.replace('*', 'i-0123456789abcdef0') },
      contextVariables: {
        'aws:RequestTag/kubernetes.io/cluster/prod': 'owned',
        'aws:RequestTag/eks:eks-cluster-name': 'prod',
        'aws:RequestTag/karpenter.sh/nodepool': 'default',
        'aws:TagKeys': ['kubernetes.io/cluster/prod', 'eks:eks-cluster-name', 'karpenter.sh/nodepool'],
        'aws:RequestedRegion': REGION,
        ...metadata,
      },
    },
  } as any, {});
  if (result.resultType === 'error') {
    throw new Error(JSON.stringify(result.errors));
  }
  return result.overallResult;
}

test.each([
  ['hop limit 2', 'ExplicitlyDenied', { 'ec2:MetadataHttpPutResponseHopLimit': '2', 'ec2:MetadataHttpTokens': 'required' }],
  ['hop limit 64', 'ExplicitlyDenied', { 'ec2:MetadataHttpPutResponseHopLimit': '64', 'ec2:MetadataHttpTokens': 'required' }],
  ['HttpTokens optional', 'ExplicitlyDenied', { 'ec2:MetadataHttpPutResponseHopLimit': '1', 'ec2:MetadataHttpTokens': 'optional' }],
  ['hop limit 1, tokens required', 'Allowed', { 'ec2:MetadataHttpPutResponseHopLimit': '1', 'ec2:MetadataHttpTokens': 'required' }],
  ['no metadata keys (the dry run)', 'Allowed', {}],
] as Array<[string, string, Record<string, string>]>)('RunInstances with %s: %s', async (_name, expected, metadata) => {
  expect(await decide('ec2:RunInstances', metadata)).toBe(expected);
});

test('ModifyInstanceMetadataOptions is denied', async () => {
  expect(await decide('ec2:ModifyInstanceMetadataOptions', {})).toBe('ExplicitlyDenied');
});

describe('the organization SCP (cdk-hardened-eks guardrails --scp)', () => {
  async function underScp(action: string, metadata: Record<string, string>): Promise<string> {
    const result = await runSimulation({
      identityPolicies: [{ name: 'admin', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }] } }],
      serviceControlPolicies: [{
        orgIdentifier: 'ou-abcd-12345678',
        policies: [
          { name: 'FullAWSAccess', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } },
          { name: 'ImdsGuardrails', policy: imdsServiceControlPolicy() },
        ],
      }],
      resourceControlPolicies: [],
      request: {
        action,
        principal: `arn:aws:iam::${ACCOUNT}:role/admin`,
        resource: { accountId: ACCOUNT, resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0` },
        contextVariables: metadata,
      },
    } as any, {});
    if (result.resultType === 'error') {
      throw new Error(JSON.stringify(result.errors));
    }
    return result.overallResult;
  }

  test.each([
    ['ec2:RunInstances', 'ExplicitlyDenied', { 'ec2:MetadataHttpPutResponseHopLimit': '2' }],
    ['ec2:RunInstances', 'ExplicitlyDenied', { 'ec2:MetadataHttpTokens': 'optional' }],
    ['ec2:RunInstances', 'Allowed', { 'ec2:MetadataHttpPutResponseHopLimit': '1', 'ec2:MetadataHttpTokens': 'required' }],
    ['ec2:RunInstances', 'Allowed', {}],
    ['ec2:ModifyInstanceMetadataOptions', 'ExplicitlyDenied', { 'ec2:MetadataHttpPutResponseHopLimit': '3' }],
    ['ec2:ModifyInstanceMetadataOptions', 'Allowed', { 'ec2:MetadataHttpPutResponseHopLimit': '1' }],
  ] as Array<[string, string, Record<string, string>]>)('%s: %s with %j', async (action, expected, metadata) => {
    expect(await underScp(action, metadata)).toBe(expected);
  });
});
