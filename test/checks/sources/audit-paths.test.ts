import * as path from 'path';
import { Severity } from '../../../src/checks/severity';
import { auditInputs, auditPaths } from '../../../src/checks/sources/audit-paths';
import { InputError } from '../../../src/checks/sources/input-error';
import { FIXTURES } from '../../support/temp-files';

const ASSEMBLY = path.join(FIXTURES, 'assemblies', 'nested-stage');
const MANIFEST = path.join(FIXTURES, 'manifests', 'karpenter-and-workloads.yaml');
const brief = (findings: any[]) => findings.map((f) => [f.ruleId, f.stack ?? f.file, f.resource ?? f.kubernetesObject]);

describe('auditPaths', () => {
  test('audits every stack of an assembly, nested stages and nested stacks included, each finding carrying its file and stack', () => {
    const report = auditPaths([ASSEMBLY]);
    expect(brief(report.findings)).toEqual([
      ['HopLimitAboveOne', 'Root', 'LegacyLaunchTemplate'],
      ['ImdsV1Allowed', 'Root/NodesNestedStackNodesNestedStackResource1A2B3C4D', 'NestedLaunchTemplate'],
      ['NodegroupDefaultLaunchTemplate', 'Prod/Platform', 'DefaultNodegroup'],
    ]);
    expect(report.findings[1].file).toBe(path.join(ASSEMBLY, 'RootNodes5E6F7A8B.nested.template.json'));
    expect(report.checked).toEqual({ 'AWS::EC2::LaunchTemplate': 3, 'AWS::EKS::Nodegroup': 1 });
    expect(report.files).toHaveLength(3);
  });

  test('audits assemblies and manifests together, in the order given', () => {
    const report = auditPaths([MANIFEST, ASSEMBLY]);
    expect(report.files[0]).toBe(MANIFEST);
    expect(report.findings[0]).toMatchObject({ ruleId: 'HopLimitAboveOne', file: MANIFEST, kubernetesObject: 'EC2NodeClass/legacy' });
    expect(report.findings[0].resource).toBeUndefined();
    expect(report.findings.map((f) => f.file)).toContain(path.join(ASSEMBLY, 'Root.template.json'));
  });

  test('audits a template once when it is named twice, keeping the first (with its stack)', () => {
    const report = auditPaths([ASSEMBLY, path.join(ASSEMBLY, 'Root.template.json')]);
    expect(report.files).toHaveLength(3);
    expect(report.findings.filter((f) => f.resource === 'LegacyLaunchTemplate').map((f) => f.stack)).toEqual(['Root']);
  });

  test('applies the checker options: disabled rules and severity overrides', () => {
    const report = auditPaths([ASSEMBLY, MANIFEST], {
      disabledRules: ['ImdsV1Allowed'],
      severityOverrides: { HostNetworkPod: Severity.ERROR },
    });
    expect(report.findings.map((f) => f.ruleId)).not.toContain('ImdsV1Allowed');
    expect(report.findings.find((f) => f.ruleId === 'HostNetworkPod')?.severity).toBe(Severity.ERROR);
  });

  test('rejects checker options that name an unknown rule', () => {
    expect(() => auditPaths([ASSEMBLY], { rules: ['HopLimitTwo'] })).toThrow(/unknown rule id 'HopLimitTwo'/);
  });

  test('fails on unreadable input before auditing anything', () => {
    expect(() => auditPaths([ASSEMBLY, 'missing.yaml'])).toThrow(InputError);
  });

  test('auditInputs audits inputs that are already loaded', () => {
    const report = auditInputs([
      { kind: 'manifest', file: 'in-memory.yaml', objects: [{ apiVersion: 'karpenter.k8s.aws/v1beta1', kind: 'EC2NodeClass', metadata: { name: 'x' }, spec: {} }] },
    ]);
    expect(brief(report.findings)).toEqual([['HopLimitNotPinned', 'in-memory.yaml', 'EC2NodeClass/x']]);
    expect(report.files).toEqual(['in-memory.yaml']);
  });
});
