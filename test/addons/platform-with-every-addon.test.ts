// The whole platform with every add-on on: nothing for the checker, nothing unacknowledged for
// cdk-nag on what the add-ons create, no Lambda function beyond the kubectl provider's, and the
// same template on every synth.
process.env.CDK_VALIDATION = 'false'; // CloudFormation schema validation is an oracle elsewhere; it is slow.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HardenedCluster, ImdsAudit } from '../../src';
import { KNOWN_ADDONS } from '../../src/checks/engine/addons';
import { awsSolutionsViolations, HAS_NATIVE_ACKNOWLEDGEMENTS } from '../support/compat';

const ADDON_PATHS = /LoadBalancerController|EbsCsiDriver|EfsCsiDriver|ExternalDns|CertManager|CloudWatchObservability/;

function build(app: App, addons: boolean): Stack {
  const stack = new Stack(app, 'Platform', { env: { account: '111111111111', region: 'eu-west-1' } });
  const cluster = new HardenedCluster(stack, 'Cluster');
  if (addons) {
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'apps.example.com' });
    cluster.addLoadBalancerController();
    cluster.addEbsCsiDriver({ defaultStorageClass: true });
    cluster.addEfsCsiDriver();
    cluster.addExternalDns({ hostedZones: [zone] });
    cluster.addCertManager({ route53: { hostedZones: [zone] } });
    cluster.addCloudWatchObservability();
  }
  return stack;
}

test('the checker: no open finding; only the upstream wildcards of the load balancer controller acknowledged', () => {
  const findings = ImdsAudit.ofStack(build(new App(), true));
  expect(findings.filter((f) => !f.acknowledged)).toEqual([]);
  expect([...new Set(findings.map((f) => `${f.ruleId} ${f.constructPath}`))]).toEqual([
    expect.stringMatching(/^WorkloadRoleWildcard Platform\/Cluster\/LoadBalancerController\/Policy\/Resource$/),
  ]);
});

test('no Lambda function beyond the ones the platform has without add-ons, and a deterministic template', () => {
  const lambdas = (addons: boolean) => Template.fromStack(build(new App(), addons)).findResources('AWS::Lambda::Function');
  expect(Object.keys(lambdas(true)).sort()).toEqual(Object.keys(lambdas(false)).sort());
  const synth = () => JSON.stringify(Template.fromStack(build(new App(), true)).toJSON());
  expect(synth()).toBe(synth());
});

(HAS_NATIVE_ACKNOWLEDGEMENTS ? test : test.skip)('cdk-nag AwsSolutions: nothing unacknowledged on what the add-ons create', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'addons-nag-'));
  try {
    const app = new App({ outdir });
    new s3.Bucket(build(app, true), 'UserBucket', { enforceSSL: true });
    const paths = awsSolutionsViolations(app, outdir, new AwsSolutionsChecks(app));
    expect(paths.filter((p: string) => ADDON_PATHS.test(p))).toEqual([]);
    // cdk-nag did judge the stack: a user's bucket without access logs is reported.
    expect(paths.some((p: string) => /^Platform\/UserBucket\/Resource AwsSolutions-S1$/.test(p))).toBe(true);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});

test('the add-on catalogue (README tables) says what the constructs install: chart or add-on name and identity', () => {
  const template = Template.fromStack(build(new App(), true));
  const charts = Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart')).map((r) => r.Properties.Chart);
  const addons = Object.values(template.findResources('AWS::EKS::Addon')).map((r) => r.Properties);
  const associations = Object.values(template.findResources('AWS::EKS::PodIdentityAssociation'))
    .map((r) => `${r.Properties.Namespace}/${r.Properties.ServiceAccount}`);
  const installed = KNOWN_ADDONS.filter((x) => x.installed);
  expect(installed.map((x) => x.installed!.construct).sort()).toEqual(
    ['CertManager', 'CloudWatchObservability', 'EbsCsiDriver', 'EfsCsiDriver', 'ExternalDns', 'LoadBalancerController']);
  for (const x of installed) {
    const i = x.installed!;
    const identity = /`([a-z0-9-]+)\/([a-z0-9-]+)`/.exec(i.identity);
    expect(identity).not.toBeNull();
    const [, namespace, serviceAccount] = identity!;
    if (i.installedAs.startsWith('EKS managed add-on')) {
      const addon = addons.find((a) => x.addonNames.includes(a.AddonName));
      expect(addon).toBeDefined();
      expect(i.installedAs).toContain(`\`${addon!.AddonName}\``);
      // The association is the add-on's; the namespace is the add-on's own.
      expect(addon!.PodIdentityAssociations.map((p: { ServiceAccount: string }) => p.ServiceAccount)).toEqual([serviceAccount]);
    } else {
      expect(charts.filter((c) => x.charts.includes(c))).toHaveLength(1);
      expect(associations).toContain(`${namespace}/${serviceAccount}`);
    }
  }
});
