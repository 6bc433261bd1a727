// Input written by an attacker (or by accident): prototype names as logical ids, types, kinds and
// keys; special files; paths out of a cloud assembly; control characters. Nothing crashes, hangs or
// passes silently.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { auditKubernetesObjects, auditTemplate } from '../../src/checks/engine';
import { runCli } from '../../src/cli/main';
import { cleanUp, tempFiles } from '../support/temp-files';

afterAll(cleanUp);

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'];

function cli(...argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = runCli(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}

/** A template (as JSON text, so `__proto__` is an own key) that uses `name` everywhere a name can go. */
function prototypeTemplate(name: string): string {
  return `{
    "Parameters": { "${name}": { "Type": "Number", "Default": 2 } },
    "Conditions": { "${name}": { "Fn::Equals": ["a", "a"] } },
    "Mappings": { "${name}": { "${name}": { "${name}": 3 } } },
    "Resources": {
      "${name}": { "Type": "${name}", "Properties": { "${name}": 1 } },
      "ByParameter": { "Type": "AWS::EC2::LaunchTemplate", "Properties": { "LaunchTemplateData": { "MetadataOptions": {
        "HttpTokens": "required", "HttpPutResponseHopLimit": { "Ref": "${name}" } } } } },
      "ByMapping": { "Type": "AWS::EC2::LaunchTemplate", "Properties": { "LaunchTemplateData": { "MetadataOptions": {
        "HttpTokens": "required", "HttpPutResponseHopLimit": { "Fn::FindInMap": ["${name}", "${name}", "${name}"] } } } } },
      "ByCondition": { "Type": "AWS::EC2::LaunchTemplate", "Properties": { "LaunchTemplateData": { "MetadataOptions": {
        "HttpTokens": "required", "HttpPutResponseHopLimit": { "Fn::If": ["${name}", 2, 1] } } } } },
      "Missing": { "Type": "AWS::EC2::LaunchTemplate", "Properties": { "LaunchTemplateData": { "MetadataOptions": {
        "HttpTokens": "required", "HttpPutResponseHopLimit": { "Fn::FindInMap": ["Nope", "${name}", "${name}"] } } } } }
    }
  }`;
}

describe.each(PROTOTYPE_NAMES)('the name %s', (name) => {
  test('as a parameter, condition, mapping, logical id, type and key: judged like any name, no crash', () => {
    const findings = auditTemplate(JSON.parse(prototypeTemplate(name))).findings;
    const on = (id: string) => findings.filter((f) => f.resource === id).map((f) => f.ruleId).sort();
    expect(on('ByParameter')).toEqual(['HopLimitAboveOne', 'Unverifiable']); // its Default is 2; anything may be passed
    expect(on('ByMapping')).toEqual(['HopLimitAboveOne']);
    expect(on('ByCondition')).toEqual(['HopLimitAboveOne']);
    expect(on('Missing')).toEqual(['Unverifiable']); // no mapping Nope: never a value from Object.prototype
    expect(on(name)).toEqual([]);
  });

  test('as the target of a Ref or GetAtt in a template with no such resource: names nothing here, never Object.prototype', () => {
    const template = {
      Resources: {
        ByRef: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: { Ref: name } } } } },
        ByGetAtt: {
          Type: 'AWS::EC2::LaunchTemplate',
          Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: { 'Fn::GetAtt': [name, 'Hop'] } } } },
        },
      },
    };
    const findings = auditTemplate(template).findings;
    expect(findings.map((f) => [f.resource, f.ruleId, f.message])).toEqual([
      ['ByRef', 'Unverifiable', expect.stringContaining(`Ref ${name} names nothing in this template`)],
      ['ByGetAtt', 'Unverifiable', expect.stringContaining('is only known at deploy time')],
    ]);
    expect(findings[1].message).not.toContain('a reference to');
  });

  test('as a Kubernetes kind, API group, name and key: no crash, still judged by group and kind', () => {
    const objects = [
      JSON.parse(`{ "apiVersion": "${name}", "kind": "${name}", "metadata": { "name": "${name}" }, "spec": { "${name}": 1 } }`),
      { apiVersion: 'karpenter.k8s.aws/v1', kind: name },
      { apiVersion: 'karpenter.k8s.aws/v1', kind: 'EC2NodeClass', metadata: { name }, spec: { metadataOptions: { httpPutResponseHopLimit: 2 } } },
    ];
    const { findings, checked } = auditKubernetesObjects(objects);
    expect(findings.map((f) => `${f.ruleId} ${f.kubernetesObject}`)).toEqual([`HopLimitAboveOne EC2NodeClass/${name}`]);
    expect(Object.values(checked).reduce((a, b) => a + b, 0)).toBe(3);
  });

  test('through the CLI: exit 1 with the findings, nothing on stderr', () => {
    const dir = tempFiles({ 'template.json': prototypeTemplate(name) });
    const run = cli('audit', path.join(dir, 'template.json'), '--format', 'json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).findings.filter((f: any) => f.ruleId === 'HopLimitAboveOne').length).toBe(3);
  });
});

describe('files that are not what they claim', () => {
  test('a cloud assembly whose templateFile is /dev/zero, a FIFO or outside the assembly: exit 2, one line, no hang', () => {
    const outside = tempFiles({ 'secret.template.json': '{"Resources":{}}' });
    const cases: Array<[string, RegExp]> = [
      ['/dev/zero', /outside the cloud assembly|not a regular file/],
      [path.relative(outside, path.join(outside, 'secret.template.json')).replace(/^/, '../'), /outside the cloud assembly/],
      [path.join(outside, 'secret.template.json'), /outside the cloud assembly/],
    ];
    for (const [templateFile, message] of cases) {
      const dir = tempFiles({ 'manifest.json': JSON.stringify({ version: '55.0.0', artifacts: { S: { type: 'aws:cloudformation:stack', properties: { templateFile } } } }) });
      const run = cli('audit', dir);
      expect([templateFile, run.code]).toEqual([templateFile, 2]);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    }
  });

  test('a symbolic link in the assembly that leads out of it is refused', () => {
    const outside = tempFiles({ 'secret.json': '{"Resources":{}}' });
    const dir = tempFiles({ 'manifest.json': JSON.stringify({ artifacts: { S: { type: 'aws:cloudformation:stack', properties: { templateFile: 'link.json' } } } }) });
    fs.symlinkSync(path.join(outside, 'secret.json'), path.join(dir, 'link.json'));
    const run = cli('audit', dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/"link\.json", a link that leads outside the cloud assembly/);
  });

  test('a FIFO named as a template is refused, not read', () => {
    const dir = tempFiles({ 'manifest.json': JSON.stringify({ artifacts: { S: { type: 'aws:cloudformation:stack', properties: { templateFile: 'pipe.json' } } } }) });
    execFileSync('mkfifo', [path.join(dir, 'pipe.json')]);
    const run = cli('audit', dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/pipe\.json .*: not a regular file/);
    expect(fs.statSync(path.join(dir, 'pipe.json')).isFIFO()).toBe(true);
  });
});

test('control characters in names are escaped in the text report: no forged lines', () => {
  const template = {
    Resources: {
      'Lt\n::error::forged\nPASS: 0 errors, 0 warnings, 0 acknowledged (--fail-on error)\u001b[2K': {
        Type: 'AWS::EC2::LaunchTemplate',
        Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } } },
      },
    },
  };
  const dir = tempFiles({ 'template.json': JSON.stringify(template) });
  const run = cli('audit', path.join(dir, 'template.json'));
  expect(run.code).toBe(1);
  const lines = run.stdout.split('\n');
  expect(lines.filter((l) => l.startsWith('PASS') || l.startsWith('::error'))).toEqual([]);
  expect(run.stdout).not.toContain('\u001b');
  expect(run.stdout).toContain('Lt\\n::error::forged\\nPASS');
});

describe('nested stacks on disk', () => {
  function parentAndChild(hop: string) {
    return tempFiles({
      'Parent.template.json': JSON.stringify({
        Resources: {
          Nodes: {
            Type: 'AWS::CloudFormation::Stack',
            Metadata: { 'aws:asset:path': 'ParentNodes.nested.template.json' },
            Properties: { TemplateURL: 'https://example.com/x', Parameters: { Hop: hop } },
          },
        },
      }),
      'ParentNodes.nested.template.json': JSON.stringify({
        Parameters: { Hop: { Type: 'Number' } },
        Resources: {
          Lt: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: { Ref: 'Hop' } } } } },
        },
      }),
    });
  }

  test('a parent passing Hop "2" to its nested stack makes the nested launch template HopLimitAboveOne', () => {
    const run = cli('audit', path.join(parentAndChild('2'), 'Parent.template.json'), '--format', 'json');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).findings.map((f: any) => `${f.ruleId} ${f.resource} ${f.stack}`)).toEqual(['HopLimitAboveOne Lt Nodes']);
  });

  test('a parent passing Hop "1" leaves nothing unknown', () => {
    const run = cli('audit', path.join(parentAndChild('1'), 'Parent.template.json'), '--format', 'json');
    expect(JSON.parse(run.stdout).findings).toEqual([]);
    expect(run.code).toBe(0);
  });
});

test('a hop limit of 2 behind hundreds of combinations of 1 is still an error (the candidate cap keeps distinct values)', () => {
  const conditions: Record<string, unknown> = {};
  for (let i = 0; i < 20; i++) {
    conditions[`C${i}`] = { 'Fn::Equals': [{ Ref: 'P' }, `v${i}`] };
  }
  const list = Array.from({ length: 400 }, (_, i) => (i === 399 ? 2 : { 'Fn::If': [`C${i % 20}`, 1, 1] }));
  const template = {
    Parameters: { P: { Type: 'String' }, I: { Type: 'Number', AllowedValues: Array.from({ length: 400 }, (_, i) => i) } },
    Conditions: conditions,
    Resources: {
      Lt: {
        Type: 'AWS::EC2::LaunchTemplate',
        Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: { 'Fn::Select': [{ Ref: 'I' }, list] } } } },
      },
    },
  };
  expect(auditTemplate(template).findings.map((f) => f.ruleId)).toEqual(['HopLimitAboveOne']);
});

test('a value nested 100,000 deep where the hop limit goes is InvalidHopLimit, not a crash', () => {
  let deep: unknown = 2;
  for (let i = 0; i < 100_000; i++) {
    deep = [deep];
  }
  const template = {
    Resources: {
      Lt: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: deep } } } },
    },
  };
  const [finding, ...others] = auditTemplate(template).findings;
  expect(others).toEqual([]);
  expect(finding.ruleId).toBe('InvalidHopLimit');
  expect(finding.message).toContain('nested too deeply to show');
  expect(auditKubernetesObjects([{ apiVersion: 'karpenter.k8s.aws/v1', kind: 'EC2NodeClass', metadata: { name: 'x' }, spec: { metadataOptions: { httpPutResponseHopLimit: deep } } }])
    .findings.map((f) => f.ruleId)).toEqual(['InvalidHopLimit']);
});

describe('an Fn::If chain nested deeper than the evaluator follows exactly', () => {
  /** A hop limit that is an Fn::If `depth` deep on a parameter's conditions, with `bottom` at the end. */
  function chain(depth: number, bottom: unknown): unknown {
    let value: unknown = bottom;
    for (let i = 0; i < depth; i++) {
      value = { 'Fn::If': [`C${i % 4}`, 1, value] };
    }
    return {
      Parameters: { P: { Type: 'String' } },
      Conditions: Object.fromEntries([0, 1, 2, 3].map((i) => [`C${i}`, { 'Fn::Equals': [{ Ref: 'P' }, `v${i}`] }])),
      Resources: {
        Lt: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: value } } } },
      },
    };
  }
  const rules = (t: unknown) => auditTemplate(t).findings.map((f) => [f.ruleId, f.severity]);

  test('a 2 at the bottom of 500 levels is still a HopLimitAboveOne error, not only a warning', () => {
    expect(rules(chain(500, 2))).toEqual([['HopLimitAboveOne', 'error']]);
  });

  test('500 levels of literal 1s pass: every branch is known', () => {
    expect(rules(chain(500, 1))).toEqual([]);
  });

  test('a deploy-time value at the bottom is Unverifiable', () => {
    expect(rules(chain(500, { Ref: 'AWS::AccountId' }))).toEqual([['Unverifiable', 'warning']]);
  });

  test('a chain 100,000 deep does not overflow the stack', () => {
    expect(rules(chain(100_000, 2))).toEqual([['HopLimitAboveOne', 'error']]);
  });
});

describe('EKS add-on ConfigurationValues written as YAML', () => {
  const addon = (configurationValues: string) => auditTemplate({
    Resources: { Addon: { Type: 'AWS::EKS::Addon', Properties: { ClusterName: 'c', AddonName: 'aws-ebs-csi-driver', ConfigurationValues: configurationValues } } },
  }).findings.map((f) => f.ruleId);

  test.each(PROTOTYPE_NAMES)('%s as a key is a key: no crash, and a region only under it does not count', (name) => {
    expect(addon(`${name}:\n  region: eu-west-1\ncontroller:\n  region: eu-west-1\n`)).toEqual([]);
    expect(addon(`controller:\n  ${name}:\n    region: eu-west-1\n`)).toEqual(['AddonNeedsImds']);
  });

  test('an alias bomb, a text nested 10,000 deep and a scalar are Unverifiable, not a crash or a pass', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) =>
      `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
    expect(addon(bomb)).toEqual(['Unverifiable']);
    expect(addon(`${'['.repeat(10_000)}${']'.repeat(10_000)}`)).toEqual(['Unverifiable']);
    expect(addon('just a string')).toEqual(['Unverifiable']);
  });
});

describe('add-on values that are not a plain object of settings', () => {
  const judge = (type: 'chart' | 'addon', values: unknown) => auditTemplate({
    Resources: {
      R: type === 'chart'
        ? { Type: 'Custom::AWSCDK-EKS-HelmChart', Properties: { ClusterName: 'c', Chart: 'cluster-autoscaler', Values: values } }
        : { Type: 'AWS::EKS::Addon', Properties: { ClusterName: 'c', AddonName: 'aws-ebs-csi-driver', ConfigurationValues: values } },
    },
  }).findings.map((f) => f.ruleId);

  test('null values are empty values (Helm reads them so): flagged', () => {
    expect(judge('chart', 'null')).toEqual(['AddonNeedsImds']);
    expect(judge('addon', 'null')).toEqual(['AddonNeedsImds']);
  });

  test('a list, even of one object, a dynamic reference, and YAML given to Helm are Unverifiable', () => {
    expect(judge('chart', '[{"awsRegion":"eu-west-1"}]')).toEqual(['Unverifiable']);
    expect(judge('addon', '[{"controller":{"region":"eu-west-1"}}]')).toEqual(['Unverifiable']);
    expect(judge('addon', '{{resolve:ssm:/addon/configuration}}')).toEqual(['Unverifiable']);
    expect(judge('chart', '{{resolve:ssm:/chart/values}}')).toEqual(['Unverifiable']);
    // aws-eks-v2's Helm handler reads Values as JSON only.
    expect(judge('chart', 'awsRegion: eu-west-1')).toEqual(['Unverifiable']);
    expect(judge('addon', 'controller:\n  region: eu-west-1\n')).toEqual([]);
  });

  test('YAML configuration is read as kubectl reads it: a region given through a merge key counts', () => {
    expect(judge('addon', 'base: &base\n  region: eu-west-1\ncontroller:\n  <<: *base\n')).toEqual([]);
    expect(judge('addon', 'base: &base\n  replicaCount: 1\ncontroller:\n  <<: *base\n')).toEqual(['AddonNeedsImds']);
  });

  test('a key repeated in YAML configuration is Unverifiable: which one an add-on keeps is not known', () => {
    expect(judge('addon', 'controller:\n  replicaCount: 1\ncontroller:\n  region: eu-west-1\n')).toEqual(['Unverifiable']);
    const many = Array.from({ length: 40_000 }, (_, i) => `k${i}: ${i}`).join('\n');
    expect(judge('addon', `${many}\ncontroller:\n  region: eu-west-1\n`)).toEqual([]);
  });
});

