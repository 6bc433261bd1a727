// cert-manager at hop limit 1: CRDs from the chart, on the system nodes; with Route 53 DNS-01, the
// solver told its region and an identity limited to the given zones and TXT records.
process.env.CDK_VALIDATION = 'false'; // CloudFormation schema validation is an oracle elsewhere; it is slow.

import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { CertManager, HardenedCluster, ImdsAudit, SystemNodeGroup } from '../../src';
import { normalizedStatements, withAwsPartition } from '../support/policies';

const VENDOR = path.join(__dirname, '..', '..', 'vendor');
const POLICY = path.join(VENDOR, 'cert-manager', 'route53-dns01-policy.json');
const SCHEMA = path.join(VENDOR, 'cert-manager', 'values.schema.json');
const ENV = { account: '111111111111', region: 'eu-west-1' };

function platform(options: Partial<ConstructorParameters<typeof CertManager>[2]> & { zones?: boolean } = {}) {
  const stack = new Stack(new App(), 'Platform', { env: ENV });
  const cluster = new HardenedCluster(stack, 'Cluster');
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'apps.example.com' });
  const { zones, ...rest } = options;
  const certs = cluster.addCertManager({ ...(zones ? { route53: { hostedZones: [zone] } } : {}), ...rest });
  return { stack, certs, template: Template.fromStack(stack) };
}

function chart(template: Template): { id: string; props: any } {
  const charts = template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'cert-manager' } });
  expect(Object.keys(charts)).toHaveLength(1);
  const [id, resource] = Object.entries(charts)[0];
  return { id, props: resource.Properties };
}

const values = (template: Template) => JSON.parse(chart(template).props.Values);
const system = { 'kubernetes.io/os': 'linux', [SystemNodeGroup.ROLE_LABEL]: 'system' };

describe('HardenedCluster.addCertManager()', () => {
  test('without Route 53: the pinned chart with its CRDs, two replicas of each part on the system nodes, no AWS identity', () => {
    const { stack, certs, template } = platform();
    expect(chart(template).props).toEqual(expect.objectContaining({
      Chart: 'cert-manager', Repository: 'https://charts.jetstack.io', Version: 'v1.21.1', Namespace: 'cert-manager', CreateNamespace: true,
    }));
    expect(values(template)).toEqual({
      crds: { enabled: true, keep: true },
      replicaCount: 2,
      serviceAccount: { create: true, name: 'cert-manager' },
      nodeSelector: system,
      webhook: { replicaCount: 2, nodeSelector: system },
      cainjector: { replicaCount: 2, nodeSelector: system },
      startupapicheck: { nodeSelector: system },
    });
    expect(certs.identity).toBeUndefined();
    expect(Object.values(template.findResources('AWS::EKS::PodIdentityAssociation')).map((r: any) => r.Properties.Namespace)).not.toContain('cert-manager');
    expect(ImdsAudit.ofStack(stack)).toEqual([]);
  });

  test('with Route 53: AWS_REGION for the solver, Pod Identity for cert-manager/cert-manager, the guide\'s policy narrowed to the zone', () => {
    const { stack, template } = platform({ zones: true });
    expect(values(template).extraEnv).toEqual([{ name: 'AWS_REGION', value: 'eu-west-1' }]);
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: 'cert-manager', ServiceAccount: 'cert-manager' });
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('CertManagerPolicy') } });
    const rendered = withAwsPartition(Object.values(policies)[0].Properties.PolicyDocument);
    const vendored = JSON.parse(fs.readFileSync(POLICY, 'utf8'));
    vendored.Statement[1].Resource = 'arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ';
    expect(normalizedStatements(rendered)).toEqual(normalizedStatements(vendored));
    expect(vendored.Statement[1].Condition).toEqual({ 'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'] } });
    expect(fs.readFileSync(path.join(VENDOR, 'README.md'), 'utf8')).toContain(createHash('sha256').update(fs.readFileSync(POLICY)).digest('hex'));
    const dependsOn: string[] = template.toJSON().Resources[chart(template).id].DependsOn;
    expect(dependsOn.some((d) => d.startsWith('ClusterCertManagerIdentityAssociation'))).toBe(true);
    expect(ImdsAudit.ofStack(stack)).toEqual([]);
  });

  test('the values are valid against the chart\'s own values.schema.json (vendored), with and without Route 53', () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')));
    for (const zones of [false, true]) {
      expect(validate(values(platform({ zones }).template)) ? [] : validate.errors).toEqual([]);
    }
    expect(validate({ replicaCount: 'two' })).toBe(false);
  });

  test.each([
    [{ version: '1.21.1' }, /InvalidAddonVersion.*leading "v"/],
    [{ replicas: 0 }, /InvalidAddonReplicas/],
    [{ route53: { hostedZones: [] } }, /CertManagerNoZones/],
    [{ helmValues: { extraEnv: [{ name: 'AWS_REGION', value: 'us-east-1' }] } }, /AddonValueOwned.*extraEnv/],
    [{ helmValues: { serviceAccount: { name: 'certs' } } }, /AddonServiceAccountFixed/],
  ])('refuses %j', (options, message) => {
    expect(() => platform(options as any)).toThrow(message);
  });
});
