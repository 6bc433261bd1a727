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
});
