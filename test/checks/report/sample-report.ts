import { Finding } from '../../../src/checks/finding';
import { AuditReport } from '../../../src/checks/report/audit-report';
import { Severity } from '../../../src/checks/severity';

/** Hand-made findings covering every shape a report must render. */
export const TEMPLATE_FINDING: Finding = {
  ruleId: 'HopLimitAboveOne',
  severity: Severity.ERROR,
  file: 'cdk.out/assembly-Prod/ProdPlatform.template.json',
  stack: 'Prod/Platform',
  resource: 'NodeLaunchTemplate',
  constructPath: 'Prod/Platform/Nodes/LaunchTemplate/Resource',
  property: 'Properties.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit',
  message: 'HttpPutResponseHopLimit is 2: a pod one hop away can get an IMDSv2 token',
  fix: 'Set the hop limit to 1.',
};

export const EMBEDDED_OBJECT_FINDING: Finding = {
  ruleId: 'HopLimitNotPinned',
  severity: Severity.ERROR,
  file: 'cdk.out/assembly-Prod/ProdPlatform.template.json',
  stack: 'Prod/Platform',
  resource: 'ClusterKarpenterNodeClassD1E2F3A4',
  kubernetesObject: 'EC2NodeClass/beta',
  property: 'spec.metadataOptions',
  message: 'metadataOptions is omitted; EC2NodeClass v1beta1 defaulted httpPutResponseHopLimit to 2',
  fix: 'Write the hop limit out explicitly as 1.',
};

export const MANIFEST_FINDING: Finding = {
  ruleId: 'HostNetworkPod',
  severity: Severity.WARNING,
  file: 'manifests/monitoring.yaml',
  kubernetesObject: 'DaemonSet/node-exporter',
  property: 'spec.template.spec.hostNetwork',
  message: 'hostNetwork is true in namespace "monitoring"',
  fix: 'Remove `hostNetwork: true`.',
};

export const ACKNOWLEDGED_FINDING: Finding = {
  ruleId: 'Unverifiable',
  severity: Severity.WARNING,
  file: 'cdk.out/assembly-Prod/ProdPlatform.template.json',
  stack: 'Prod/Platform',
  resource: 'ImportedNodeGroup',
  message: 'the launch template comes from outside the assembly',
  fix: 'Use a launch template from the same app.',
  acknowledged: true,
  acknowledgedReason: 'The shared launch template is audited in the platform repository.',
};

export const ACKNOWLEDGED_ERROR: Finding = {
  ...TEMPLATE_FINDING,
  resource: 'MigratingLaunchTemplate',
  acknowledged: true,
  acknowledgedReason: 'Hop limit 2 until the monitoring agent moves to Pod Identity (ticket OPS-42).',
};

export function sampleReport(findings: Finding[] = [
  TEMPLATE_FINDING,
  EMBEDDED_OBJECT_FINDING,
  MANIFEST_FINDING,
  ACKNOWLEDGED_FINDING,
  ACKNOWLEDGED_ERROR,
]): AuditReport {
  return {
    findings,
    checked: { 'AWS::EC2::LaunchTemplate': 2, 'EC2NodeClass (karpenter.k8s.aws/v1beta1)': 1, 'DaemonSet': 1, 'AWS::EKS::Nodegroup': 1 },
    files: ['cdk.out/assembly-Prod/ProdPlatform.template.json', 'manifests/monitoring.yaml'],
  };
}
