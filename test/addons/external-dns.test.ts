// ExternalDNS at hop limit 1: told its region, on its own scoped Pod Identity, allowed to change
// records only in the given zones (the upstream tutorial's policy, vendored, narrowed).
process.env.CDK_VALIDATION = 'false'; // CloudFormation schema validation is an oracle elsewhere; it is slow.

import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { ExternalDns, HardenedCluster, ImdsAudit, SystemNodeGroup } from '../../src';
import { normalizedStatements, withAwsPartition } from '../support/policies';

const VENDOR = path.join(__dirname, '..', '..', 'vendor');
const POLICY = path.join(VENDOR, 'external-dns', 'iam-policy.json');
const SCHEMA = path.join(VENDOR, 'external-dns', 'values.schema.json');
const ENV = { account: '111111111111', region: 'eu-west-1' };

function platform(options: Partial<ConstructorParameters<typeof ExternalDns>[2]> = {}) {
  const stack = new Stack(new App(), 'Platform', { env: ENV });
  const cluster = new HardenedCluster(stack, 'Cluster');
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'apps.example.com' });
  const dns = cluster.addExternalDns({ hostedZones: [zone], ...options });
  return { stack, cluster, dns, template: Template.fromStack(stack) };
}

function chart(template: Template): { id: string; props: any } {
  const charts = template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'external-dns' } });
  expect(Object.keys(charts)).toHaveLength(1);
  const [id, resource] = Object.entries(charts)[0];
  return { id, props: resource.Properties };
}

/** The values with the cluster name token shown as text (the rest is literal with an explicit env). */
function values(stack: Stack, template: Template): any {
  const rendered = stack.resolve(chart(template).props.Values);
  const text = typeof rendered === 'string' ? rendered
    : rendered['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : '<cluster-name>')).join('');
  return JSON.parse(text);
}

describe('HardenedCluster.addExternalDns()', () => {
  const { stack, dns, template } = platform();

  test('the pinned chart, provider aws, told its region, the zones as domain filters, on the system nodes', () => {
    expect(chart(template).props).toEqual(expect.objectContaining({
      Chart: 'external-dns',
      Repository: 'https://kubernetes-sigs.github.io/external-dns/',
      Version: ExternalDns.DEFAULT_VERSION,
      Release: 'external-dns',
      Namespace: 'kube-system',
    }));
    expect(values(stack, template)).toEqual({
      provider: { name: 'aws' },
      env: [{ name: 'AWS_REGION', value: 'eu-west-1' }],
      domainFilters: ['apps.example.com'],
      policy: 'upsert-only',
      txtOwnerId: '<cluster-name>',
      serviceAccount: { create: true, name: 'external-dns' },
      nodeSelector: { [SystemNodeGroup.ROLE_LABEL]: 'system' },
    });
    expect(dns.version).toBe('1.21.1');
  });

  test('the values are valid against the chart\'s own values.schema.json (vendored)', () => {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')));
    expect(validate(values(stack, template)) ? [] : validate.errors).toEqual([]);
    expect(validate({ policy: 'delete-everything' })).toBe(false);
  });

  test('the policy is the tutorial\'s, with hostedzone/* narrowed to the given zone', () => {
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('ExternalDnsPolicy') } });
    const rendered = withAwsPartition(Object.values(policies)[0].Properties.PolicyDocument);
    const vendored = JSON.parse(fs.readFileSync(POLICY, 'utf8'));
    vendored.Statement[0].Resource = ['arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ'];
    expect(normalizedStatements(rendered)).toEqual(normalizedStatements(vendored));
    expect(fs.readFileSync(path.join(VENDOR, 'README.md'), 'utf8')).toContain(createHash('sha256').update(fs.readFileSync(POLICY)).digest('hex'));
  });

  test('Pod Identity for kube-system/external-dns; the chart waits for it; the checker has nothing to say', () => {
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: 'kube-system', ServiceAccount: 'external-dns' });
    const dependsOn: string[] = template.toJSON().Resources[chart(template).id].DependsOn;
    for (const prefix of ['ClusterExternalDnsIdentityAssociation', 'ClusterExternalDnsPolicy', 'ClusterSystemNodes']) {
      expect(dependsOn.some((d) => d.startsWith(prefix))).toBe(true);
    }
    expect(ImdsAudit.ofStack(stack)).toEqual([]);
  });

  test('other env entries are kept; the region is the construct\'s', () => {
    const { stack: s, template: t } = platform({ helmValues: { env: [{ name: 'LOG_LEVEL', value: 'debug' }] }, syncPolicy: 'sync', txtOwnerId: 'prod' });
    expect(values(s, t)).toEqual(expect.objectContaining({
      env: [{ name: 'LOG_LEVEL', value: 'debug' }, { name: 'AWS_REGION', value: 'eu-west-1' }], policy: 'sync', txtOwnerId: 'prod',
    }));
  });

  test.each([
    [{ hostedZones: [] }, /ExternalDnsNoZones/],
    [{ syncPolicy: 'delete' }, /InvalidExternalDnsPolicy.*"delete"/],
    [{ helmValues: { env: [{ name: 'AWS_REGION', value: 'us-east-1' }] } }, /AddonValueOwned.*AWS_REGION/],
    [{ helmValues: { provider: 'google' } }, /AddonValueOwned.*helmValues\.provider is set/],
    [{ helmValues: { serviceAccount: { name: 'dns' } } }, /AddonServiceAccountFixed/],
  ])('refuses %j', (options, message) => {
    expect(() => platform(options as any)).toThrow(message);
  });
});
