// The admission guardrails: their CEL evaluated on a case table of EC2NodeClass and Pod objects
// (after CRD defaulting, as the API server sees them), and against the engine's verdict on every
// EC2NodeClass fixture the checker has.
process.env.CDK_VALIDATION = 'false';
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as YAML from 'yaml';
import { AdmissionAction, HardenedCluster, ImdsAdmissionPolicies, ImdsAudit, RuleCatalogue, RuleId } from '../../src';
import { HOST_NETWORK_EXPRESSION, imdsAdmissionObjects, NODE_CLASS_EXPRESSIONS } from '../../src/private/admission-objects';
import { evaluateAdmissionExpression } from '../support/crd-validator';
import { loadEsm } from '../support/esm';

const nodeClass = (metadataOptions?: object) => ({
  apiVersion: 'karpenter.k8s.aws/v1',
  kind: 'EC2NodeClass',
  metadata: { name: 'x' },
  spec: {
    role: 'KarpenterNodeRole',
    amiSelectorTerms: [{ alias: 'al2023@v20251117' }],
    subnetSelectorTerms: [{ tags: { a: 'b' } }],
    securityGroupSelectorTerms: [{ tags: { a: 'b' } }],
    ...(metadataOptions ? { metadataOptions } : {}),
  },
});

/** Whether the API server admits the node class (every validation of the policy true). */
const admitsNodeClass = (o: object) => Object.values(NODE_CLASS_EXPRESSIONS).every((e) => evaluateAdmissionExpression(e, o) === true);

describe('the EC2NodeClass policy', () => {
  test.each([
    ['no metadataOptions (CRD defaults: hop 1, required)', true, undefined],
    ['hop 1, required', true, { httpPutResponseHopLimit: 1, httpTokens: 'required' }],
    ['hop 2', false, { httpPutResponseHopLimit: 2, httpTokens: 'required' }],
    ['hop 2 alone (tokens defaulted to required)', false, { httpPutResponseHopLimit: 2 }],
    ['tokens optional', false, { httpPutResponseHopLimit: 1, httpTokens: 'optional' }],
    ['tokens optional alone (hop defaulted to 1)', false, { httpTokens: 'optional' }],
    ['only httpEndpoint enabled (the rest defaulted)', true, { httpEndpoint: 'enabled' }],
    ['endpoint disabled, hop 2, optional', true, { httpEndpoint: 'disabled', httpPutResponseHopLimit: 2, httpTokens: 'optional' }],
    ['hop 64', false, { httpPutResponseHopLimit: 64 }],
  ] as Array<[string, boolean, object | undefined]>)('%s: admitted %s', (_name, admitted, options) => {
    expect(admitsNodeClass(nodeClass(options))).toBe(admitted);
  });

  test('an object whose metadata options were not defaulted (another version) is rejected: unknown is not a pass', () => {
    const undefaulted = { apiVersion: 'karpenter.k8s.aws/v1beta1', kind: 'EC2NodeClass', metadata: { name: 'old' }, spec: {} };
    expect(Object.values(NODE_CLASS_EXPRESSIONS).map((e) => evaluateAdmissionExpression(e, undefaulted))).toEqual([false, false]);
  });

  test('the messages are the checker\'s rule texts', () => {
    const [policy] = imdsAdmissionObjects(AdmissionAction.DENY, ['kube-system']);
    expect(policy.spec.validations.map((v: any) => v.message)).toEqual([RuleId.HOP_LIMIT_ABOVE_ONE, RuleId.IMDS_V1_ALLOWED].map((id) => {
      const rule = RuleCatalogue.get(id);
      return `[${rule.id}] ${rule.summary} Fix: ${rule.fix}`;
    }));
  });
});

describe('the host network policy', () => {
  const pod = (spec: object) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'apps' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } });
  test.each([
    ['hostNetwork true', false, { hostNetwork: true }],
    ['hostNetwork false', true, { hostNetwork: false }],
    ['hostNetwork absent', true, {}],
  ] as Array<[string, boolean, object]>)('%s: admitted %s', (_name, admitted, spec) => {
    expect(evaluateAdmissionExpression(HOST_NETWORK_EXPRESSION, pod(spec))).toBe(admitted);
  });

  test('the binding exempts the allowlisted namespaces only', () => {
    const objects = imdsAdmissionObjects(AdmissionAction.DENY, ['kube-system', 'amazon-cloudwatch']);
    expect(objects[3].spec.matchResources.namespaceSelector.matchExpressions).toEqual([
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'amazon-cloudwatch'] },
    ]);
  });
});

describe('the objects', () => {
  test('policies with failurePolicy Fail, bindings Deny by default or Warn + Audit for a migration', () => {
    const deny = imdsAdmissionObjects(AdmissionAction.DENY, ['kube-system']);
    expect(deny.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ValidatingAdmissionPolicy/cdk-hardened-eks-ec2nodeclass-imds', 'ValidatingAdmissionPolicyBinding/cdk-hardened-eks-ec2nodeclass-imds',
      'ValidatingAdmissionPolicy/cdk-hardened-eks-host-network-pods', 'ValidatingAdmissionPolicyBinding/cdk-hardened-eks-host-network-pods',
    ]);
    expect(deny.filter((o) => o.kind === 'ValidatingAdmissionPolicy').map((o) => o.spec.failurePolicy)).toEqual(['Fail', 'Fail']);
    expect(deny.filter((o) => o.kind.endsWith('Binding')).map((o) => o.spec.validationActions)).toEqual([['Deny'], ['Deny']]);
    const warn = imdsAdmissionObjects(AdmissionAction.WARN_AND_AUDIT, ['kube-system']);
    expect(warn.filter((o) => o.kind.endsWith('Binding')).map((o) => o.spec.validationActions)).toEqual([['Warn', 'Audit'], ['Warn', 'Audit']]);
  });

  test('the construct applies them on any cluster, refuses an unknown action, and the checker has nothing to say', () => {
    const stack = new Stack(new App(), 'Guardrails', { env: { account: '111111111111', region: 'eu-west-1' } });
    const cluster = new HardenedCluster(stack, 'Cluster');
    const guardrails = new ImdsAdmissionPolicies(stack, 'Guardrails', { cluster, action: AdmissionAction.WARN_AND_AUDIT });
    const resources = Template.fromStack(stack).toJSON().Resources;
    const manifest = JSON.stringify(stack.resolve(resources[stack.getLogicalId(guardrails.manifest.node.defaultChild as any)].Properties.Manifest));
    expect(manifest).toContain('ValidatingAdmissionPolicy');
    expect(ImdsAudit.ofStack(stack)).toEqual([]);
    expect(() => new ImdsAdmissionPolicies(stack, 'Bad', { cluster, action: 'Block' })).toThrow(/InvalidAdmissionAction.*"Block"/);
  });
});

describe('differential: the policy against the engine on every v1 EC2NodeClass fixture', () => {
  const root = path.join(__dirname, '..', 'fixtures');
  const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(dir, e.name)] : []));
  const objects = files(root).flatMap((file) => {
    try {
      return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS())
        .filter((o: any) => o?.apiVersion === 'karpenter.k8s.aws/v1' && o?.kind === 'EC2NodeClass')
        .map((o: any) => ({ file: path.relative(root, file), object: o }));
    } catch {
      return [];
    }
  });

  test('they agree on every fixture whose metadata options are literal', () => {
    const rows: string[] = [];
    const disagreements: string[] = [];
    let compared = 0;
    for (const { file, object } of objects) {
      const options = object.spec?.metadataOptions;
      // Values the engine reads but the API server would refuse before any policy (strings, floats) are not compared.
      if (options !== undefined && (typeof options !== 'object' || Object.values(options).some((v) => typeof v === 'string' && /^\d/.test(v as string)))) {
        continue;
      }
      let admitted: boolean;
      try {
        admitted = admitsNodeClass(object);
      } catch {
        continue; // not a valid object for the CRD: the API server refuses it before admission
      }
      const errors = ImdsAudit.ofKubernetesObjects([object]).filter((f) => f.severity === 'error');
      compared++;
      rows.push(`${file} ${object.metadata?.name}: engine ${errors.length === 0 ? 'pass' : 'error'}, policy ${admitted ? 'admit' : 'reject'}`);
      if ((errors.length === 0) !== admitted) {
        disagreements.push(rows[rows.length - 1]);
      }
    }
    process.stdout.write(`policy vs engine on ${compared} EC2NodeClass fixtures:\n${rows.join('\n')}\n`);
    expect(compared).toBeGreaterThan(3);
    expect(disagreements).toEqual([]);
  });
});

describe('on a HardenedCluster', () => {
  const manifestOf = (stack: Stack, guardrails: ImdsAdmissionPolicies) => {
    const id = stack.getLogicalId(guardrails.manifest.node.defaultChild as any);
    return JSON.stringify(stack.resolve(Template.fromStack(stack).toJSON().Resources[id].Properties.Manifest));
  };

  test('on by default, after the Karpenter chart and before every node class; the CloudWatch add-on\'s namespace joins the allowlist', () => {
    const stack = new Stack(new App(), 'Platform', { env: { account: '111111111111', region: 'eu-west-1' } });
    const cluster = new HardenedCluster(stack, 'Cluster');
    const general = cluster.addEc2NodeClass('general');
    cluster.addCloudWatchObservability();
    const guardrails = cluster.admissionPolicies!;
    expect(manifestOf(stack, guardrails)).toContain('\\"values\\":[\\"kube-system\\",\\"amazon-cloudwatch\\"]');
    const resources = Template.fromStack(stack).toJSON().Resources;
    const guardId = stack.getLogicalId(guardrails.manifest.node.defaultChild as any);
    expect(resources[guardId].DependsOn).toEqual(expect.arrayContaining([stack.getLogicalId(cluster.karpenter!.chart.node.defaultChild as any)]));
    expect(resources[stack.getLogicalId(general.manifest.node.defaultChild as any)].DependsOn).toEqual(expect.arrayContaining([guardId]));
  });

  test('admissionPolicies: false leaves them out; options without them, or Kubernetes before 1.30, are refused', () => {
    const stack = new Stack(new App(), 'Platform');
    expect(new HardenedCluster(stack, 'Off', { admissionPolicies: false }).admissionPolicies).toBeUndefined();
    expect(() => new HardenedCluster(stack, 'Odd', { admissionPolicies: false, admissionPolicyOptions: { action: AdmissionAction.DENY } }))
      .toThrow(/AdmissionPolicyOptionsIgnored/);
    expect(() => new HardenedCluster(stack, 'Old', { version: eks.KubernetesVersion.of('1.29') }))
      .toThrow(/AdmissionPoliciesNeedKubernetes130.*1\.29/);
  });
});

describe('the objects against the Kubernetes OpenAPI schema (kubernetes-models)', () => {
  const schemas = path.dirname(require.resolve('kubernetes-models/package.json'));
  const validator = (type: string) =>
    loadEsm(path.join(schemas, '_schemas', `IoK8sApiAdmissionregistrationV1${type}.js`)).validate as ((o: unknown) => boolean) & { errors?: unknown };

  test.each([AdmissionAction.DENY, AdmissionAction.WARN_AND_AUDIT])('every policy and binding is valid admissionregistration.k8s.io/v1 (%s)', (action) => {
    for (const o of imdsAdmissionObjects(action, ['kube-system'])) {
      const validate = validator(o.kind);
      expect({ object: `${o.kind}/${o.metadata.name}`, errors: validate(o) ? [] : validate.errors })
        .toEqual({ object: `${o.kind}/${o.metadata.name}`, errors: [] });
    }
  });

  test('the schema does refuse what is not a policy: the check is not vacuous', () => {
    const validate = validator('ValidatingAdmissionPolicy');
    expect(validate({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', spec: { validations: 'all' } })).toBe(false);
  });
});
