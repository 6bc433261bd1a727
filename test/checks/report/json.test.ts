import { EMBEDDED_OBJECT_FINDING, MANIFEST_FINDING, sampleReport, TEMPLATE_FINDING } from './sample-report';
import { formatJson, toJsonReport } from '../../../src/checks/report/json';

describe('formatJson', () => {
  test('prints one object with findings and summary', () => {
    const parsed = JSON.parse(formatJson(sampleReport()));
    expect(Object.keys(parsed)).toEqual(['findings', 'summary']);
    expect(parsed.findings).toHaveLength(5);
  });

  test('writes the contract fields of a CloudFormation finding, without object', () => {
    const [finding] = JSON.parse(formatJson(sampleReport([TEMPLATE_FINDING]))).findings;
    expect(finding).toEqual({
      ruleId: 'HopLimitAboveOne',
      severity: 'error',
      file: 'cdk.out/assembly-Prod/ProdPlatform.template.json',
      resource: 'NodeLaunchTemplate',
      message: 'HttpPutResponseHopLimit is 2: a pod one hop away can get an IMDSv2 token',
      fix: 'Set the hop limit to 1.',
      path: 'Prod/Platform/Nodes/LaunchTemplate/Resource',
      property: 'Properties.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit',
      stack: 'Prod/Platform',
      acknowledged: false,
    });
    expect('object' in finding).toBe(false);
  });

  test('writes object as Kind/name, with the carrying resource for an object inside a template', () => {
    const [embedded, manifest] = toJsonReport(sampleReport([EMBEDDED_OBJECT_FINDING, MANIFEST_FINDING])).findings;
    expect(embedded).toMatchObject({ resource: 'ClusterKarpenterNodeClassD1E2F3A4', object: 'EC2NodeClass/beta' });
    expect(manifest).toMatchObject({ file: 'manifests/monitoring.yaml', object: 'DaemonSet/node-exporter' });
    expect('resource' in manifest).toBe(false);
  });

  test('keeps acknowledged findings, marked, with their reason', () => {
    const findings = toJsonReport(sampleReport()).findings.filter((f) => f.acknowledged);
    expect(findings.map((f) => [f.ruleId, f.acknowledgedReason])).toEqual([
      ['Unverifiable', 'The shared launch template is audited in the platform repository.'],
      ['HopLimitAboveOne', 'Hop limit 2 until the monitoring agent moves to Pod Identity (ticket OPS-42).'],
    ]);
  });

  test('summarizes open errors and warnings apart from acknowledged findings', () => {
    const { summary } = toJsonReport(sampleReport());
    expect(summary).toEqual({
      errors: 2,
      warnings: 1,
      acknowledged: 2,
      total: 5,
      failing: 2,
      failOn: 'error',
      failed: true,
      checked: {
        'AWS::EC2::LaunchTemplate': 2,
        'AWS::EKS::Nodegroup': 1,
        'DaemonSet': 1,
        'EC2NodeClass (karpenter.k8s.aws/v1beta1)': 1,
      },
      checkedTotal: 5,
      files: ['cdk.out/assembly-Prod/ProdPlatform.template.json', 'manifests/monitoring.yaml'],
    });
  });

  test('judges the summary against the fail-on threshold', () => {
    expect(toJsonReport(sampleReport([MANIFEST_FINDING]), 'error').summary).toMatchObject({ failing: 0, failed: false });
    expect(toJsonReport(sampleReport([MANIFEST_FINDING]), 'warning').summary).toMatchObject({ failing: 1, failed: true });
    expect(toJsonReport(sampleReport(), 'never').summary).toMatchObject({ failing: 0, failed: false, failOn: 'never' });
  });
});
