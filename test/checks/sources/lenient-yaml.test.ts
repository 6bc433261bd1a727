// The second reading of YAML the `yaml` library refuses by the spec and CloudFormation / kubectl
// accept: a quoted scalar continued at its key's column. The reading must give what the first
// reading gives wherever both read a file, and must refuse what the first would refuse for other
// reasons.
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, parseDocument } from 'yaml';
import { auditKubernetesObjects, auditTemplate } from '../../../src/checks/engine';
import { parseCloudFormationYaml, SHORT_FORMS } from '../../../src/checks/sources/cfn-yaml';
import { InputError } from '../../../src/checks/sources/input-error';
import { kubernetesObjectsOf, parseKubernetesManifest, KUBERNETES_YAML_OPTIONS } from '../../../src/checks/sources/kubernetes-yaml';
import { isUnindentedQuotedScalar, loadLeniently } from '../../../src/checks/sources/lenient-yaml';
import { FIXTURES } from '../../support/temp-files';

function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? yamlFiles(file) : /\.ya?ml$/.test(entry.name) ? [file] : [];
  });
}

/** A template whose parameter description continues at the key's column, as the Quick Start's do. */
const UNINDENTED = [
  'Parameters:',
  '  Name:',
  '    Type: String',
  '    Description: "(Optional) A name that runs over',
  '    two lines, the second at the key\'s column."',
  'Resources:',
  '  NodeTemplate:',
  '    Type: AWS::EC2::LaunchTemplate',
  '    Properties:',
  '      LaunchTemplateData:',
  '        MetadataOptions:',
  '          HttpTokens: required',
  '          HttpPutResponseHopLimit: 2',
  '',
].join('\n');

describe('the lenient YAML reading', () => {
  test('the first reading refuses the unindented continuation, and the error is the one the second reading is for', () => {
    const doc = parseDocument(UNINDENTED);
    expect(doc.errors.length).toBeGreaterThan(0);
    expect(isUnindentedQuotedScalar(doc.errors[0])).toBe(true);
    expect(isUnindentedQuotedScalar(parseDocument('a: [1, 2\n').errors[0])).toBe(false);
  });

  test('a template with an unindented continuation is read, and its hop limit 2 is a finding, not a pass', () => {
    const template = parseCloudFormationYaml(UNINDENTED, 'template.yaml') as any;
    expect(template.Parameters.Name.Description).toBe('(Optional) A name that runs over two lines, the second at the key\'s column.');
    const findings = auditTemplate(template, { file: 'template.yaml' }).findings;
    expect(findings.map((f) => f.ruleId)).toEqual(['HopLimitAboveOne']);
  });

  test('the published Quick Start template reads whole: 42 SSM parameters, the continued description joined', () => {
    const file = path.join(FIXTURES, 'real-world', 'quickstart-amazon-eks', 'amazon-eks-advanced-configuration.template.yaml');
    const template = parseCloudFormationYaml(fs.readFileSync(file, 'utf8'), file) as any;
    const types = Object.values(template.Resources).map((r: any) => r.Type);
    expect(new Set(types)).toEqual(new Set(['AWS::SSM::Parameter']));
    expect(types.length).toBe(42);
    expect(template.Parameters.ConfigSetName.Description).toBe(
      '(Optional) Name used to map advanced parameters to an EKS cluster. In order to apply the defined parameters, '
      + 'the name must match the name used when launching the main EKS Quick Start.',
    );
  });

  test('a manifest with an unindented continuation is read, and its hop limit 2 is judged', () => {
    const manifest = [
      'apiVersion: karpenter.k8s.aws/v1',
      'kind: EC2NodeClass',
      'metadata:',
      '  name: default',
      '  annotations:',
      '    description: "nodes for the default pool,',
      '    continued at the key\'s column"',
      'spec:',
      '  metadataOptions:',
      '    httpTokens: required',
      '    httpPutResponseHopLimit: 2',
      '',
    ].join('\n');
    const objects = parseKubernetesManifest(manifest, 'nodeclass.yaml');
    expect((objects[0] as any).metadata.annotations.description).toBe('nodes for the default pool, continued at the key\'s column');
    const findings = auditKubernetesObjects(objects, { file: 'nodeclass.yaml' }).findings;
    expect(findings.map((f) => f.ruleId)).toEqual(['HopLimitAboveOne']);
  });

  // Oracle: where the `yaml` library reads a file, the second reading must give the same values.
  // Every document of the file, so multi-document manifests are compared too.
  const readable = yamlFiles(FIXTURES).filter((file) =>
    Array.from(parseAllDocuments(fs.readFileSync(file, 'utf8'), { ...KUBERNETES_YAML_OPTIONS, customTags: undefined }))
      .every((doc) => doc.errors.length === 0));

  test('there are fixture files for the comparison, multi-document manifests among them', () => {
    expect(readable.length).toBeGreaterThan(40);
    const multiDocument = readable.filter((file) => Array.from(parseAllDocuments(fs.readFileSync(file, 'utf8'))).length > 1);
    expect(multiDocument.length).toBeGreaterThan(5);
  });

  test.each(readable.map((file) => [path.relative(FIXTURES, file), file]))('%s: both readings give the same values', (_name, file) => {
    const text = fs.readFileSync(file, 'utf8');
    let first: unknown;
    try {
      first = parseCloudFormationYaml(text, file);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      if (!/one YAML document/.test((e as Error).message)) {
        expect(loadLeniently(text, SHORT_FORMS)).toBeUndefined(); // refused by both readings
        return;
      }
      // Several documents (a manifest): compare with the Kubernetes reading, object by object.
      const second = loadLeniently(text, []);
      expect(second).toBeDefined();
      expect(kubernetesObjectsOf(second!.filter((v) => v !== null && v !== undefined), file)).toEqual(parseKubernetesManifest(text, file));
      return;
    }
    expect(loadLeniently(text, SHORT_FORMS)?.filter((v) => v !== null && v !== undefined)).toEqual([first]);
  });

  test.each([
    ['0755', 493], ['0x2', 2], ['0b10', 2], ['1_000', 1000], ['+2', 2], ['2.5', 2.5], ['.inf', Infinity],
    ['yes', true], ['Off', false], ['~', null], ['', null], ['y', 'y'], ['2010-09-09', '2010-09-09'], ['1:20', '1:20'],
    ['"2"', '2'], ['!GetAtt Cluster.Endpoint.Address', { 'Fn::GetAtt': ['Cluster', 'Endpoint.Address'] }],
    ['!If [IsProd, 1, !Ref AWS::NoValue]', { 'Fn::If': ['IsProd', 1, { Ref: 'AWS::NoValue' }] }],
    ['!Sub {a: 1}', { 'Fn::Sub': { a: 1 } }],
  ])('the scalar %j reads as the first reading reads it', (text, expected) => {
    const yaml = `Value: ${text}\nOther: "x\nnot indented"\n`;
    expect(isUnindentedQuotedScalar(parseDocument(yaml).errors[0])).toBe(true);
    expect((loadLeniently(yaml, SHORT_FORMS)?.[0] as any).Value).toEqual(expected);
    expect((parseCloudFormationYaml(`Value: ${text}\n`, 't.yaml') as any).Value).toEqual(expected);
  });

  test.each([
    ['a key twice', 'Resources:\n  A: 1\n  A: 2\nX: "a\nb"\n'],
    ['an unknown tag', 'Resources: !Nope 1\nX: "a\nb"\n'],
    ['an alias that expands beyond the text (billion laughs)', [
      'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]',
      ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`),
      'Resources: {}',
      'X: "a',
      'b"',
      '',
    ].join('\n')],
    ['nesting deeper than the reader recurses', `Resources: ${'['.repeat(10_000)}${']'.repeat(10_000)}\nX: "a\nb"\n`],
    ['a quote never closed', 'Resources: {}\nX: "a\n'],
  ])('%s: refused with the first reading\'s error, no crash', (_what, yaml) => {
    expect(loadLeniently(yaml, SHORT_FORMS)).toBeUndefined();
    expect(() => parseCloudFormationYaml(yaml, 't.yaml')).toThrow(InputError);
    expect(() => parseCloudFormationYaml(yaml, 't.yaml')).toThrow(/cannot parse YAML in t\.yaml at line \d+/);
  });

  test('prototype names as keys are plain keys in the second reading', () => {
    const value = loadLeniently('__proto__: {polluted: 1}\nconstructor: 2\nX: "a\nb"\n', SHORT_FORMS)?.[0] as any;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'constructor', 'X']);
    expect(({} as any).polluted).toBeUndefined();
  });
});
