import { findingLine } from '../../../src/checks/report/locate';
import { Severity } from '../../../src/checks/severity';

const finding = (props: { resource?: string; kubernetesObject?: string; property?: string }) => ({
  ruleId: 'HopLimitAboveOne',
  severity: Severity.ERROR,
  message: 'm',
  fix: 'f',
  ...props,
});

describe('findingLine', () => {
  const json = JSON.stringify(
    {
      Parameters: { NodeLaunchTemplate: { Type: 'String' } },
      Resources: {
        Other: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpPutResponseHopLimit: 1 } } } },
        NodeLaunchTemplate: {
          Type: 'AWS::EC2::LaunchTemplate',
          Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } } },
        },
      },
    },
    undefined,
    1,
  );
  const jsonLines = json.split('\n');

  test('finds the deepest key of the path inside the right resource of a JSON template', () => {
    const line = findingLine(json, finding({ resource: 'NodeLaunchTemplate', property: 'Properties.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit' }));
    expect(jsonLines[line! - 1]).toBe('      "HttpPutResponseHopLimit": 2');
  });

  test('falls back to the deepest key of the path it finds, then to the resource key under Resources', () => {
    const partial = findingLine(json, finding({ resource: 'NodeLaunchTemplate', property: 'Properties.LaunchTemplate' }));
    expect(partial).toBeGreaterThan(jsonLines.indexOf('  "NodeLaunchTemplate": {') + 1);
    expect(jsonLines[partial! - 1]).toBe('   "Properties": {');
    const none = findingLine(json, finding({ resource: 'NodeLaunchTemplate', property: 'Metadata.X' }));
    expect(jsonLines[none! - 1]).toBe('  "NodeLaunchTemplate": {');
  });

  test('finds keys in a YAML template', () => {
    const yaml = ['Resources:', '  LT:', '    Type: AWS::EC2::LaunchTemplate', '    Properties:', '      LaunchTemplateData:',
      '        MetadataOptions:', '          HttpPutResponseHopLimit: !If [Big, 2, 1]', ''].join('\n');
    expect(findingLine(yaml, finding({ resource: 'LT', property: 'Properties.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit' }))).toBe(7);
  });

  test('finds an object of a manifest by its kind and name', () => {
    const yaml = ['apiVersion: v1', 'kind: Pod', 'metadata:', '  name: web', '---', 'apiVersion: apps/v1', 'kind: DaemonSet',
      'metadata:', '  name: web', ''].join('\n');
    expect(findingLine(yaml, finding({ kubernetesObject: 'DaemonSet/web' }))).toBe(9);
    expect(findingLine(yaml, finding({ kubernetesObject: 'Pod/web' }))).toBe(4);
    expect(findingLine(yaml, finding({ kubernetesObject: 'Job/web' }))).toBeUndefined();
  });

  test('gives up on a resource it cannot find', () => {
    expect(findingLine(json, finding({ resource: 'Missing' }))).toBeUndefined();
  });

  test('follows list indexes: the second override, not the first', () => {
    const yaml = ['Resources:', '  Fleet:', '    Type: AWS::EC2::EC2Fleet', '    Properties:', '      LaunchTemplateConfigs:',
      '        - Overrides:', '            - MetadataOptions:', '                HttpPutResponseHopLimit: 1',
      '            - MetadataOptions:', '                HttpPutResponseHopLimit: 2', ''].join('\n');
    const property = 'Properties.LaunchTemplateConfigs.0.Overrides.1.MetadataOptions.HttpPutResponseHopLimit';
    expect(findingLine(yaml, finding({ resource: 'Fleet', property }))).toBe(10);
  });

  test('is not fooled by keys inside a block scalar', () => {
    const yaml = ['Resources:', '  LT:', '    Type: AWS::EC2::LaunchTemplate', '    Metadata:', '      Notes: |',
      '        MetadataOptions:', '          HttpPutResponseHopLimit: 1', '    Properties:', '      LaunchTemplateData:',
      '        MetadataOptions: { HttpTokens: required,', '          HttpPutResponseHopLimit: 2 }', ''].join('\n');
    expect(findingLine(yaml, finding({ resource: 'LT', property: 'Properties.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit' }))).toBe(11);
  });

  test('reads minified JSON: resources on their own lines, each on one line', () => {
    const text = ['{"Resources":{', '"A":{"Type":"AWS::EC2::LaunchTemplate","Properties":{}},',
      '"B":{"Type":"AWS::EC2::LaunchTemplate","Properties":{"LaunchTemplateData":{"MetadataOptions":{"HttpPutResponseHopLimit":2}}}}', '}}'].join('\n');
    expect(findingLine(text, finding({ resource: 'B', property: 'Properties.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit' }))).toBe(3);
    expect(findingLine(text, finding({ resource: 'A', property: 'Properties.X' }))).toBe(2);
  });

  test('finds a property inside a manifest object, and objects of a List', () => {
    const yaml = ['apiVersion: v1', 'kind: List', 'items:', '  - apiVersion: apps/v1', '    kind: DaemonSet', '    metadata:',
      '      name: agent', '    spec:', '      template:', '        spec:', '          hostNetwork: true', ''].join('\n');
    expect(findingLine(yaml, finding({ kubernetesObject: 'DaemonSet/agent' }))).toBe(7);
    expect(findingLine(yaml, finding({ kubernetesObject: 'DaemonSet/agent', property: 'spec.template.spec.hostNetwork' }))).toBe(11);
  });

  test('a finding on the template itself: the top-level key of its path', () => {
    const yaml = ['AWSTemplateFormatVersion: "2010-09-09"', 'Transform: AWS::LanguageExtensions', 'Resources: {}', ''].join('\n');
    expect(findingLine(yaml, finding({ property: 'Transform' }))).toBe(2);
    expect(findingLine(yaml, finding({}))).toBeUndefined();
  });

  test('a file with a syntax error: what the parser recovered is located, the rest is not', () => {
    const text = 'Resources:\n  B: [1, 2\n  C: {\n';
    expect(findingLine(text, finding({ resource: 'C', property: 'Properties' }))).toBe(3);
    expect(findingLine(text, finding({ resource: 'D' }))).toBeUndefined();
  });

  test('nesting deeper than the parser takes: no line, and no crash', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const text = `{"Resources":{"Lt":{"Type":"AWS::EC2::LaunchTemplate","Metadata":{"A":${deep(1000)},"B":${deep(3000)}}}}}`;
    expect(findingLine(text, finding({ resource: 'Lt' }))).toBeUndefined();
  });

  test('resource ids as the loader reads YAML 1.1 scalars', () => {
    const yaml = ['Resources:', '  Off:', '    Type: AWS::EC2::LaunchTemplate', '  010:', '    Type: AWS::EC2::LaunchTemplate', ''].join('\n');
    expect(findingLine(yaml, finding({ resource: 'false' }))).toBe(2);
    expect(findingLine(yaml, finding({ resource: '8' }))).toBe(4);
  });

  test('through Fn::If branches, long form and short form', () => {
    const template = JSON.stringify({
      Resources: {
        Lt: {
          Type: 'AWS::EC2::LaunchTemplate',
          Properties: {
            LaunchTemplateData: {
              MetadataOptions: { 'Fn::If': ['Big', { HttpTokens: 'required', HttpPutResponseHopLimit: 2 }, { Ref: 'AWS::NoValue' }] },
            },
          },
        },
      },
    }, undefined, 1);
    const property = 'Properties.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit';
    expect(template.split('\n')[findingLine(template, finding({ resource: 'Lt', property }))! - 1].trim()).toBe('"HttpPutResponseHopLimit": 2');
    const yaml = ['Resources:', '  Lt:', '    Properties:', '      LaunchTemplateData:', '        MetadataOptions: !If', '          - Big',
      '          - HttpTokens: required', '            HttpPutResponseHopLimit: 2', '          - !Ref AWS::NoValue', ''].join('\n');
    expect(findingLine(yaml, finding({ resource: 'Lt', property }))).toBe(8);
  });

  test('objects in nested lists, and the object of a repeated Kind/name whose path exists', () => {
    const yaml = ['- kind: List', '  items:', '    - kind: PodList', '      items:', '        - kind: Pod', '          metadata: { name: web }',
      '          spec: { hostNetwork: false }', '        - kind: Pod', '          metadata: { name: web, namespace: b }', '          spec:',
      '            containers: []', '            hostNetwork: true', ''].join('\n');
    expect(findingLine(yaml, finding({ kubernetesObject: 'Pod/web' }))).toBe(6);
    expect(findingLine(yaml, finding({ kubernetesObject: 'Pod/web', property: 'spec.containers' }))).toBe(11);
  });

  test('a repeated JSON key: the last one counts, as in JSON.parse', () => {
    const text = ['{"Resources": {', '"Lt": {"Type": "AWS::EC2::LaunchTemplate"},', '"Lt": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {}}', '}}'].join('\n');
    expect(findingLine(text, finding({ resource: 'Lt', property: 'Properties' }))).toBe(3);
  });

  test('a template-level finding in a file that ends with an empty document', () => {
    expect(findingLine('Transform: AWS::Serverless-2016-10-31\nResources: {}\n---\n', finding({ property: 'Transform' }))).toBe(1);
  });

  test('prototype names as resource ids and object names are plain keys', () => {
    const text = ['{"Resources": {', '"__proto__": {"Type": "AWS::EC2::LaunchTemplate"},', '"constructor": {"Type": "AWS::EC2::LaunchTemplate"}', '}}'].join('\n');
    expect(findingLine(text, finding({ resource: '__proto__' }))).toBe(2);
    expect(findingLine(text, finding({ resource: 'constructor' }))).toBe(3);
    expect(findingLine(text, finding({ resource: 'toString' }))).toBeUndefined();
    const yaml = ['kind: Pod', 'metadata:', '  name: __proto__', ''].join('\n');
    expect(findingLine(yaml, finding({ kubernetesObject: 'Pod/__proto__' }))).toBe(3);
    // An unknown name falls back to the first object of its kind; an unknown kind has no line.
    expect(findingLine(yaml, finding({ kubernetesObject: 'Pod/hasOwnProperty' }))).toBe(1);
    expect(findingLine(yaml, finding({ kubernetesObject: 'constructor/__proto__' }))).toBeUndefined();
  });
});
