import * as fs from 'fs';
import * as path from 'path';
import { parseCloudFormationYaml } from '../../../src/checks/sources/cfn-yaml';
import { InputError } from '../../../src/checks/sources/input-error';
import { FIXTURES } from '../../support/temp-files';

const value = (yaml: string) => (parseCloudFormationYaml(`Value: ${yaml}\n`, 'template.yaml') as any).Value;

describe('parseCloudFormationYaml', () => {
  test.each([
    ['!Ref Environment', { Ref: 'Environment' }],
    ['!Condition IsProd', { Condition: 'IsProd' }],
    ['!GetAtt Cluster.Arn', { 'Fn::GetAtt': ['Cluster', 'Arn'] }],
    ['!GetAtt Cluster.Endpoint.Address', { 'Fn::GetAtt': ['Cluster', 'Endpoint.Address'] }],
    ['!GetAtt [Cluster, Arn]', { 'Fn::GetAtt': ['Cluster', 'Arn'] }],
    ['!Sub "${AWS::StackName}-nodes"', { 'Fn::Sub': '${AWS::StackName}-nodes' }],
    ['!Sub ["${Name}-x", {Name: !Ref N}]', { 'Fn::Sub': ['${Name}-x', { Name: { Ref: 'N' } }] }],
    ['!If [IsProd, 1, 2]', { 'Fn::If': ['IsProd', 1, 2] }],
    ['!If [IsProd, 1, !Ref AWS::NoValue]', { 'Fn::If': ['IsProd', 1, { Ref: 'AWS::NoValue' }] }],
    ['!Equals [!Ref Env, prod]', { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] }],
    ['!Not [!Condition IsProd]', { 'Fn::Not': [{ Condition: 'IsProd' }] }],
    ['!And [!Condition A, !Condition B]', { 'Fn::And': [{ Condition: 'A' }, { Condition: 'B' }] }],
    ['!Or [!Condition A, !Equals [a, b]]', { 'Fn::Or': [{ Condition: 'A' }, { 'Fn::Equals': ['a', 'b'] }] }],
    ['!FindInMap [HopLimits, !Ref Env, Value]', { 'Fn::FindInMap': ['HopLimits', { Ref: 'Env' }, 'Value'] }],
    ['!ImportValue shared-hop-limit', { 'Fn::ImportValue': 'shared-hop-limit' }],
    ['!ImportValue {"Fn::Sub": "${Env}-hop"}', { 'Fn::ImportValue': { 'Fn::Sub': '${Env}-hop' } }],
    ['!Join ["", [a, !Ref B]]', { 'Fn::Join': ['', ['a', { Ref: 'B' }]] }],
    ['!Select [0, !GetAZs ""]', { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }],
    ['!Split [",", "a,b"]', { 'Fn::Split': [',', 'a,b'] }],
    ['!Base64 "#!/bin/bash"', { 'Fn::Base64': '#!/bin/bash' }],
    ['!Cidr [!GetAtt Vpc.CidrBlock, 6, 5]', { 'Fn::Cidr': [{ 'Fn::GetAtt': ['Vpc', 'CidrBlock'] }, 6, 5] }],
    ['!GetAZs us-east-1', { 'Fn::GetAZs': 'us-east-1' }],
    [
      '!Transform {Name: AWS::Include, Parameters: {Location: s3://b/k}}',
      { 'Fn::Transform': { Name: 'AWS::Include', Parameters: { Location: 's3://b/k' } } },
    ],
  ])('turns %s into its long form', (yaml, expected) => {
    expect(value(yaml)).toEqual(expected);
  });

  test('turns block-style tagged mappings and sequences into their long form', () => {
    const template = parseCloudFormationYaml(
      [
        'UserData: !Base64',
        '  Fn::Sub: echo ${AWS::Region}',
        'HopLimit: !If',
        '  - IsProd',
        '  - 1',
        '  - !FindInMap [HopLimits, dev, Value]',
        '',
      ].join('\n'),
      't.yaml',
    );
    expect(template).toEqual({
      UserData: { 'Fn::Base64': { 'Fn::Sub': 'echo ${AWS::Region}' } },
      HopLimit: { 'Fn::If': ['IsProd', 1, { 'Fn::FindInMap': ['HopLimits', 'dev', 'Value'] }] },
    });
  });

  test('resolves aliases of anchors defined inside tagged nodes', () => {
    const template = parseCloudFormationYaml(
      ['A: !If [C, &hop 2, 1]', 'B: *hop', 'Opts: &opts {HttpTokens: required}', 'Copy: *opts', ''].join('\n'),
      't.yaml',
    ) as any;
    expect(template.A).toEqual({ 'Fn::If': ['C', 2, 1] });
    expect(template.B).toBe(2);
    expect(template.Copy).toEqual({ HttpTokens: 'required' });
  });

  test('keeps dates such as AWSTemplateFormatVersion as strings', () => {
    const template = parseCloudFormationYaml('AWSTemplateFormatVersion: 2010-09-09\nV: 1:20\n', 't.yaml') as any;
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(template.V).toBe('1:20');
  });

  test('reads numbers as numbers and quoted numbers as strings', () => {
    const template = parseCloudFormationYaml('A: 1\nB: "2"\nC: 1.5\n', 't.yaml') as any;
    expect(template).toEqual({ A: 1, B: '2', C: 1.5 });
  });

  test('reads a template with CRLF line endings exactly as with LF', () => {
    const lf = fs.readFileSync(path.join(FIXTURES, 'templates', 'short-forms.yaml'), 'utf8');
    const crlf = lf.replace(/\n/g, '\r\n');
    expect(crlf).toContain('\r\n');
    expect(parseCloudFormationYaml(crlf, 'crlf.yaml')).toEqual(parseCloudFormationYaml(lf, 'lf.yaml'));
  });

  test('reads the short-form fixture template', () => {
    const template = parseCloudFormationYaml(
      fs.readFileSync(path.join(FIXTURES, 'templates', 'short-forms.yaml'), 'utf8'),
      'short-forms.yaml',
    ) as any;
    expect(template.Resources.ConditionalLaunchTemplate.Properties.LaunchTemplateData.MetadataOptions).toEqual({
      HttpTokens: 'required',
      HttpPutResponseHopLimit: { 'Fn::If': ['IsProd', 1, 2] },
    });
    expect(template.Outputs.LaunchTemplateId.Value).toEqual({ 'Fn::GetAtt': ['ConditionalLaunchTemplate', 'LaunchTemplateId'] });
    expect(template.Conditions.IsDev).toEqual({ 'Fn::Not': [{ Condition: 'IsProd' }] });
  });

  test('reports malformed YAML as one line naming the file, line and column', () => {
    const yaml = 'Resources:\n  LT:\n    Type: [AWS::EC2::LaunchTemplate\n    Properties: {}\n';
    expect(() => parseCloudFormationYaml(yaml, 'templates/bad.yaml')).toThrow(InputError);
    try {
      parseCloudFormationYaml(yaml, 'templates/bad.yaml');
    } catch (e) {
      const message = (e as Error).message;
      expect(message).toMatch(/^cannot parse YAML in templates\/bad\.yaml at line \d+, column \d+: \S/);
      expect(message).not.toContain('\n');
    }
  });

  test('reports a duplicate key with its line', () => {
    expect(() => parseCloudFormationYaml('Resources:\n  A: 1\n  A: 2\n', 'dup.yaml')).toThrow(
      /^cannot parse YAML in dup\.yaml at line 3, column 3: Map keys must be unique \("A" appears twice\)$/,
    );
  });

  test('rejects a file with more than one YAML document', () => {
    expect(() => parseCloudFormationYaml('Resources: {}\n---\nResources: {}\n', 'two.yaml')).toThrow(
      'cannot parse YAML in two.yaml: a CloudFormation template is one YAML document, found 2',
    );
  });
});
