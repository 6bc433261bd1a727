// The EBS CSI driver at hop limit 1: the controller told its region, on its own scoped Pod
// Identity, with the driver's tag-scoped policy (vendored), values valid against the chart's schema.
process.env.CDK_VALIDATION = 'false'; // CloudFormation schema validation is an oracle elsewhere; it is slow.

import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv2019 from 'ajv/dist/2019';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EbsCsiDriver, HardenedCluster, ImdsAudit, SystemNodeGroup } from '../../src';
import { awsSolutionsViolations, HAS_NATIVE_ACKNOWLEDGEMENTS } from '../support/compat';
import { normalizedStatements, withAwsPartition } from '../support/policies';

const VENDOR = path.join(__dirname, '..', '..', 'vendor');
const POLICY = path.join(VENDOR, 'aws-ebs-csi-driver', 'AmazonEBSCSIDriverPolicyV2.json');
const SCHEMA = path.join(VENDOR, 'aws-ebs-csi-driver', 'values.schema.json');
const ENV = { account: '111111111111', region: 'eu-west-1' };

function platform(options: ConstructorParameters<typeof EbsCsiDriver>[2] extends infer P ? Omit<P & object, 'cluster'> : never = {}) {
  const app = new App();
  const stack = new Stack(app, 'Platform', { env: ENV });
  const cluster = new HardenedCluster(stack, 'Cluster');
  const driver = cluster.addEbsCsiDriver(options);
  return { stack, cluster, driver, template: Template.fromStack(stack) };
}

function chart(template: Template): { id: string; props: any } {
  const charts = template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'aws-ebs-csi-driver' } });
  expect(Object.keys(charts)).toHaveLength(1);
  const [id, resource] = Object.entries(charts)[0];
  return { id, props: resource.Properties };
}

/** The values as the chart gets them (a plain JSON string with an explicit environment). */
function values(template: Template): any {
  const text = chart(template).props.Values;
  expect(typeof text).toBe('string');
  return JSON.parse(text);
}

describe('HardenedCluster.addEbsCsiDriver()', () => {
  const { stack, driver, template } = platform();

  test('the pinned chart, its controller told the stack\'s region, on the system node group', () => {
    expect(chart(template).props).toEqual(expect.objectContaining({
      Chart: 'aws-ebs-csi-driver',
      Repository: 'https://kubernetes-sigs.github.io/aws-ebs-csi-driver',
      Version: EbsCsiDriver.DEFAULT_VERSION,
      Release: 'aws-ebs-csi-driver',
      Namespace: 'kube-system',
    }));
    expect(values(template)).toEqual({
      controller: {
        region: 'eu-west-1',
        replicaCount: 2,
        serviceAccount: { create: true, name: 'ebs-csi-controller-sa' },
        nodeSelector: { [SystemNodeGroup.ROLE_LABEL]: 'system' },
      },
    });
    expect(driver.version).toBe('2.64.0');
  });

  test('the values are valid against the chart\'s own values.schema.json (vendored)', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')));
    expect(validate(values(template)) ? [] : validate.errors).toEqual([]);
    // The schema does refuse what it does not know: the check is not vacuous.
    expect(validate({ controller: { regoin: 'eu-west-1' } })).toBe(false);
  });

  test('Pod Identity for kube-system/ebs-csi-controller-sa; the policy is the vendored V2 document', () => {
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      Namespace: 'kube-system', ServiceAccount: 'ebs-csi-controller-sa', DisableSessionTags: false,
    });
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('EbsCsiDriverPolicy') } });
    expect(Object.keys(policies)).toHaveLength(1);
    const rendered = withAwsPartition(Object.values(policies)[0].Properties.PolicyDocument);
    const vendored = JSON.parse(fs.readFileSync(POLICY, 'utf8'));
    expect(normalizedStatements(rendered)).toEqual(normalizedStatements(vendored));
    const sha = createHash('sha256').update(fs.readFileSync(POLICY)).digest('hex');
    expect(fs.readFileSync(path.join(VENDOR, 'README.md'), 'utf8')).toContain(sha);
  });

  test('the chart waits for its identity, its policy and the system node group', () => {
    const dependsOn: string[] = template.toJSON().Resources[chart(template).id].DependsOn;
    for (const prefix of ['ClusterEbsCsiDriverIdentityAssociation', 'ClusterEbsCsiDriverPolicy', 'ClusterSystemNodes']) {
      expect(dependsOn.some((d) => d.startsWith(prefix))).toBe(true);
    }
  });

  test('the checker has nothing to say, AddonNeedsImds included', () => {
    expect(ImdsAudit.ofStack(stack)).toEqual([]);
  });
});

describe('EbsCsiDriver options', () => {
  test('a default encrypted gp3 StorageClass with its key, the key granted as the install guide lists', () => {
    const app = new App();
    const stack = new Stack(app, 'Platform', { env: ENV });
    const cluster = new HardenedCluster(stack, 'Cluster');
    const key = new kms.Key(stack, 'VolumeKey', { enableKeyRotation: true });
    const driver = cluster.addEbsCsiDriver({ defaultStorageClass: true, storageClassKey: key });
    const template = Template.fromStack(stack);
    const manifestId = stack.getLogicalId(driver.storageClass!.node.defaultChild as any);
    const manifest = JSON.stringify(stack.resolve(template.toJSON().Resources[manifestId].Properties.Manifest));
    expect(manifest).toContain('\\"kind\\":\\"StorageClass\\"');
    expect(manifest).toContain('\\"storageclass.kubernetes.io/is-default-class\\":\\"true\\"');
    expect(manifest).toContain('\\"type\\":\\"gp3\\",\\"encrypted\\":\\"true\\",\\"kmsKeyId\\":\\""');
    const statements = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { PolicyName: Match.stringLikeRegexp('IdentityRoleDefaultPolicy') } }))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKeyWithoutPlaintext'] }),
      expect.objectContaining({ Action: 'kms:CreateGrant', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } }),
    ]));
    expect(ImdsAudit.ofStack(stack).filter((f) => !f.acknowledged)).toEqual([]);
  });

  test.each([
    [{ helmValues: { controller: { region: 'us-east-1' } } }, /AddonValueOwned.*helmValues\.controller\.region is set/],
    [{ helmValues: { controller: { serviceAccount: { name: 'ebs' } } } }, /AddonServiceAccountFixed.*controller\.serviceAccount\.name is "ebs"/],
    [{ replicas: 1.5 }, /InvalidAddonReplicas.*replicas is 1\.5/],
    [{ version: 'latest' }, /InvalidAddonVersion.*"latest"/],
  ])('refuses %j', (options, message) => {
    expect(() => platform(options as any)).toThrow(message);
  });

  test('a second call is refused', () => {
    expect(() => platform().cluster.addEbsCsiDriver()).toThrow(/AddonExists.*addEbsCsiDriver\(\) was already called/);
  });
});

(HAS_NATIVE_ACKNOWLEDGEMENTS ? test : test.skip)('cdk-nag AwsSolutions: nothing unacknowledged on the driver\'s identity', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ebs-nag-'));
  try {
    const app = new App({ outdir });
    const stack = new Stack(app, 'Platform');
    new HardenedCluster(stack, 'Cluster').addEbsCsiDriver();
    const paths = awsSolutionsViolations(app, outdir, new AwsSolutionsChecks(app));
    expect(paths.filter((p: string) => p.includes('EbsCsiDriver'))).toEqual([]);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});
