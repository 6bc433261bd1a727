import * as path from 'path';
import { App, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import { CfnLaunchTemplate } from 'aws-cdk-lib/aws-ec2';
import { InputError } from '../../../src/checks/sources/input-error';
import { LoadedInput, loadPath } from '../../../src/checks/sources/load';
import { cleanUp, FIXTURES, tempFiles } from '../../support/temp-files';

const NESTED_STAGE = path.join(FIXTURES, 'assemblies', 'nested-stage');
const summary = (inputs: LoadedInput[]) =>
  inputs.map((i) => (i.kind === 'template' ? { kind: i.kind, file: i.file, stack: i.stack } : { kind: i.kind, file: i.file }));

afterAll(cleanUp);

describe('loadPath on a cloud assembly', () => {
  test('loads every stack, the stacks of nested stages and the templates of nested stacks', () => {
    expect(summary(loadPath(NESTED_STAGE))).toEqual([
      { kind: 'template', file: path.join(NESTED_STAGE, 'Root.template.json'), stack: 'Root' },
      {
        kind: 'template',
        file: path.join(NESTED_STAGE, 'RootNodes5E6F7A8B.nested.template.json'),
        stack: 'Root/NodesNestedStackNodesNestedStackResource1A2B3C4D',
      },
      {
        kind: 'template',
        file: path.join(NESTED_STAGE, 'assembly-Prod', 'ProdPlatform1A2B3C4D.template.json'),
        stack: 'Prod/Platform',
      },
    ]);
  });

  test('loads the parsed templates', () => {
    const [root] = loadPath(NESTED_STAGE);
    expect(root.kind === 'template' && Object.keys(root.template.Resources as object)).toEqual([
      'LegacyLaunchTemplate',
      'NodesNestedStackNodesNestedStackResource1A2B3C4D',
    ]);
  });

  test('loads the same assembly when given its manifest.json', () => {
    expect(summary(loadPath(path.join(NESTED_STAGE, 'manifest.json')))).toEqual(summary(loadPath(NESTED_STAGE)));
  });

  test('loads a nested stage directory on its own', () => {
    expect(summary(loadPath(path.join(NESTED_STAGE, 'assembly-Prod')))).toEqual([
      {
        kind: 'template',
        file: path.join(NESTED_STAGE, 'assembly-Prod', 'ProdPlatform1A2B3C4D.template.json'),
        stack: 'Prod/Platform',
      },
    ]);
  });

  test('loads what aws-cdk-lib synthesizes outside the CDK CLI (no asset metadata): nested stage, nested stack in nested stack', () => {
    const outdir = tempFiles({});
    const app = new App({ outdir });
    const top = new Stack(app, 'Top');
    new CfnLaunchTemplate(top, 'TopLaunchTemplate', { launchTemplateData: {} });
    const stage = new Stage(app, 'Prod');
    const platform = new Stack(stage, 'Platform');
    const nodes = new NestedStack(platform, 'Nodes');
    new CfnLaunchTemplate(nodes, 'NodesLaunchTemplate', { launchTemplateData: {} });
    const deeper = new NestedStack(nodes, 'Deeper');
    new CfnLaunchTemplate(deeper, 'DeeperLaunchTemplate', { launchTemplateData: {} });
    app.synth();

    const inputs = loadPath(outdir);
    const stacks = inputs.map((i) => (i.kind === 'template' ? i.stack : undefined));
    // Manifest order: aws-cdk-lib lists the nested assembly of the stage before the top-level stack.
    // Nested stacks are named by construct path, as the construct tree names them.
    expect(stacks).toEqual(['Prod/Platform', 'Prod/Platform/Nodes', 'Prod/Platform/Nodes/Deeper', 'Top']);
    const launchTemplates = inputs.map((i) =>
      i.kind === 'template'
        ? Object.entries(i.template.Resources as any)
          .filter(([, r]: [string, any]) => r.Type === 'AWS::EC2::LaunchTemplate')
          .map(([id]) => id)
        : [],
    );
    expect(launchTemplates).toEqual([
      [],
      [expect.stringMatching(/^NodesLaunchTemplate/)],
      [expect.stringMatching(/^DeeperLaunchTemplate/)],
      [expect.stringMatching(/^TopLaunchTemplate/)],
    ]);
  });
});

describe('loadPath on a file', () => {
  test('reads a YAML template with short forms as a template', () => {
    const [input, ...rest] = loadPath(path.join(FIXTURES, 'templates', 'short-forms.yaml'));
    expect(rest).toEqual([]);
    expect(input.kind).toBe('template');
    expect(input.kind === 'template' && input.stack).toBeUndefined();
    expect(input.kind === 'template' && (input.template as any).Resources.ConditionalLaunchTemplate.Properties
      .LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit).toEqual({ 'Fn::If': ['IsProd', 1, 2] });
  });

  test('reads a JSON template as a template', () => {
    const [input] = loadPath(path.join(FIXTURES, 'launch-templates', 'hop-limit-2.json'));
    expect(input.kind).toBe('template');
  });

  test('reads a template that only has AWSTemplateFormatVersion as a template', () => {
    const dir = tempFiles({ 't.yml': 'AWSTemplateFormatVersion: "2010-09-09"\nDescription: empty\n' });
    expect(loadPath(path.join(dir, 't.yml'))).toEqual([
      { kind: 'template', file: path.join(dir, 't.yml'), template: { AWSTemplateFormatVersion: '2010-09-09', Description: 'empty' }, nestedStacks: new Set() },
    ]);
  });

  test('loads the nested stack templates that sit next to a standalone template', () => {
    const inputs = loadPath(path.join(FIXTURES, 'assemblies', 'nested-stage', 'Root.template.json'));
    expect(summary(inputs).map((i: any) => i.stack)).toEqual([undefined, 'NodesNestedStackNodesNestedStackResource1A2B3C4D']);
  });

  test('leaves out a nested stack whose template is an external S3 URL', () => {
    const dir = tempFiles({
      't.json': JSON.stringify({
        Resources: {
          External: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: 'https://s3.amazonaws.com/b/t.json' } },
        },
      }),
    });
    expect(loadPath(path.join(dir, 't.json'))).toHaveLength(1);
  });

  test('reads a multi-document YAML manifest as a manifest', () => {
    const file = path.join(FIXTURES, 'manifests', 'karpenter-and-workloads.yaml');
    const [input] = loadPath(file);
    expect(input.kind).toBe('manifest');
    expect(input.kind === 'manifest' && input.objects.map((o) => o.kind)).toEqual(['EC2NodeClass', 'EC2NodeClass', 'DaemonSet', 'Pod']);
  });

  test('reads a JSON manifest as a manifest', () => {
    const [input] = loadPath(path.join(FIXTURES, 'manifests', 'objects.json'));
    expect(input.kind).toBe('manifest');
  });

  test('does not mistake a manifest with a nested "resources" key for a template', () => {
    const dir = tempFiles({
      'd.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          resources: {}\n',
    });
    expect(loadPath(path.join(dir, 'd.yaml'))[0].kind).toBe('manifest');
  });
});

describe('loadPath on bad input', () => {
  const fails = (p: string) => {
    try {
      loadPath(p);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as Error).message).not.toContain('\n');
      return (e as Error).message;
    }
    throw new Error(`loadPath(${p}) did not throw`);
  };

  test('names a missing file', () => {
    expect(fails('does/not/exist.json')).toBe('no such file: does/not/exist.json');
  });

  test('says a directory without manifest.json is not a cloud assembly', () => {
    const dir = tempFiles({ 'x.txt': 'hello' });
    expect(fails(dir)).toBe(`directory ${dir} is not a cloud assembly (no manifest.json)`);
  });

  test('names the template file an assembly manifest points at when it is missing', () => {
    const dir = tempFiles({
      'manifest.json': JSON.stringify({
        version: '48.0.0',
        artifacts: { S: { type: 'aws:cloudformation:stack', properties: { templateFile: 'S.template.json' } } },
      }),
    });
    expect(fails(dir)).toBe(`no such file: ${path.join(dir, 'S.template.json')} (named by ${path.join(dir, 'manifest.json')})`);
  });

  test('names the nested stack whose template is missing', () => {
    const dir = tempFiles({
      't.json': JSON.stringify({
        Resources: {
          Child: { Type: 'AWS::CloudFormation::Stack', Metadata: { 'aws:asset:path': 'child.nested.template.json' } },
        },
      }),
    });
    expect(fails(path.join(dir, 't.json'))).toBe(
      `no such file: ${path.join(dir, 'child.nested.template.json')} (named by nested stack Child in ${path.join(dir, 't.json')})`,
    );
  });

  test('names the nested assembly directory that is missing', () => {
    const dir = tempFiles({
      'manifest.json': JSON.stringify({
        version: '48.0.0',
        artifacts: { 'assembly-X': { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-X' } } },
      }),
    });
    expect(fails(dir)).toBe(`no such directory: ${path.join(dir, 'assembly-X')} (named by ${path.join(dir, 'manifest.json')})`);
  });

  test('locates malformed JSON in a template of the assembly', () => {
    const dir = tempFiles({
      'manifest.json': JSON.stringify({
        version: '48.0.0',
        artifacts: { S: { type: 'aws:cloudformation:stack', properties: { templateFile: 'S.template.json' } } },
      }),
      'S.template.json': '{\n  "Resources": {\n    "A": {"Type": "X",}\n  }\n}\n',
    });
    expect(fails(dir)).toBe(`cannot parse JSON in ${path.join(dir, 'S.template.json')} at line 3, column 23: unexpected '}'`);
  });

  test('locates malformed YAML in a template', () => {
    const dir = tempFiles({ 't.yaml': 'Resources:\n  LT:\n    Type: !Ref [a\n' });
    expect(fails(path.join(dir, 't.yaml'))).toMatch(/^cannot parse YAML in .*t\.yaml at line \d+, column \d+: .+/);
  });

  test('rejects a file that is neither a template nor a manifest', () => {
    const dir = tempFiles({ 'values.yaml': 'replicaCount: 2\nimage:\n  tag: latest\n' });
    expect(fails(path.join(dir, 'values.yaml'))).toBe(
      `${path.join(dir, 'values.yaml')} is neither a CloudFormation template (no Resources) nor a Kubernetes manifest (no object with apiVersion and kind)`,
    );
  });

  test('rejects an empty manifest file', () => {
    const dir = tempFiles({ 'empty.yaml': '# nothing yet\n' });
    expect(fails(path.join(dir, 'empty.yaml'))).toMatch(/is neither a CloudFormation template/);
  });
});
