import { ACKNOWLEDGED_ERROR, ACKNOWLEDGED_FINDING, MANIFEST_FINDING, sampleReport, TEMPLATE_FINDING } from './sample-report';
import { formatText } from '../../../src/checks/report/text';

describe('formatText', () => {
  const text = formatText(sampleReport());
  const lines = text.split('\n');

  test('says what was checked: counts by kind and the files', () => {
    expect(lines[0]).toBe('IMDS audit: 5 resources and objects checked in 2 files');
    expect(text).toMatch(/^ +2 {2}AWS::EC2::LaunchTemplate$/m);
    expect(text).toMatch(/^ +1 {2}EC2NodeClass \(karpenter\.k8s\.aws\/v1beta1\)$/m);
    expect(text).toMatch(/^ {2}manifests\/monitoring\.yaml$/m);
  });

  test('groups open findings under their file and stack, with rule id, severity, subject, message and fix', () => {
    const group = lines.indexOf('cdk.out/assembly-Prod/ProdPlatform.template.json (stack Prod/Platform)');
    expect(group).toBeGreaterThan(0);
    expect(lines[group + 1]).toBe('  error   [HopLimitAboveOne] NodeLaunchTemplate (construct Prod/Platform/Nodes/LaunchTemplate/Resource)');
    expect(lines[group + 2]).toBe('          at Properties.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit');
    expect(lines[group + 3]).toBe('          HttpPutResponseHopLimit is 2: a pod one hop away can get an IMDSv2 token');
    expect(lines[group + 4]).toBe('          fix: Set the hop limit to 1.');
    expect(text).toContain('  error   [HopLimitNotPinned] ClusterKarpenterNodeClassD1E2F3A4 > EC2NodeClass/beta');
    expect(text).toContain('manifests/monitoring.yaml\n  warning [HostNetworkPod] DaemonSet/node-exporter');
  });

  test('lists acknowledged findings separately, with their reason and without a fix', () => {
    const section = text.slice(text.indexOf('Acknowledged (2'));
    const open = text.slice(0, text.indexOf('Acknowledged (2'));
    expect(section).toContain('[Unverifiable] ImportedNodeGroup');
    expect(section).toContain('acknowledged: The shared launch template is audited in the platform repository.');
    expect(section).toContain('[HopLimitAboveOne] MigratingLaunchTemplate');
    expect(section).not.toContain('fix:');
    expect(open).not.toContain('ImportedNodeGroup');
    expect(open).not.toContain('MigratingLaunchTemplate');
  });

  test('ends with the totals and the verdict', () => {
    expect(lines[lines.length - 1]).toBe('FAIL: 2 errors, 1 warning, 2 acknowledged (--fail-on error)');
    expect(formatText(sampleReport([MANIFEST_FINDING, ACKNOWLEDGED_ERROR])).split('\n').pop()).toBe(
      'PASS: 0 errors, 1 warning, 1 acknowledged (--fail-on error)',
    );
    expect(formatText(sampleReport([MANIFEST_FINDING]), { failOn: 'warning' }).split('\n').pop()).toBe(
      'FAIL: 0 errors, 1 warning, 0 acknowledged (--fail-on warning)',
    );
    // Open findings under --fail-on never are reported, never called a PASS.
    expect(formatText(sampleReport(), { failOn: 'never' }).split('\n').pop()).toBe(
      'NOT ENFORCED: 2 errors, 1 warning, 2 acknowledged (--fail-on never)',
    );
    expect(formatText(sampleReport([ACKNOWLEDGED_ERROR]), { failOn: 'never' }).split('\n').pop()).toBe(
      'PASS: 0 errors, 0 warnings, 1 acknowledged (--fail-on never)',
    );
  });

  test('escapes control characters from the input, so no input can forge a line or colour the output', () => {
    const forged = { ...TEMPLATE_FINDING, resource: 'Lt\nPASS: 0 errors', message: '\u001b[32mok\r::error::x', constructPath: 'S/\u2028X' };
    const out = formatText(sampleReport([forged]));
    expect(out).toContain('[HopLimitAboveOne] Lt\\nPASS: 0 errors (construct S/\\u2028X)');
    expect(out).toContain('\\x1b[32mok\\r::error::x');
    expect(out.split('\n').filter((l) => l.startsWith('PASS'))).toEqual([]);
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u2028]/);
  });

  test('has no findings section when nothing was found', () => {
    const clean = formatText({ findings: [], checked: { 'AWS::EC2::LaunchTemplate': 1 }, files: ['t.json'] });
    expect(clean).not.toContain('Findings');
    expect(clean).not.toContain('Acknowledged');
    expect(clean.split('\n').pop()).toBe('PASS: 0 errors, 0 warnings, 0 acknowledged (--fail-on error)');
  });

  test('says so when nothing the rules apply to was found', () => {
    expect(formatText({ findings: [], checked: {}, files: ['t.json'] })).toContain('nothing the IMDS rules apply to');
  });

  test('wraps long messages under the finding, within the width', () => {
    const long = { ...TEMPLATE_FINDING, message: 'word '.repeat(60).trim() };
    const wrapped = formatText(sampleReport([long]), { width: 60 }).split('\n');
    const messageLines = wrapped.filter((l) => l.trim().startsWith('word'));
    expect(messageLines.length).toBeGreaterThan(4);
    for (const l of messageLines) {
      expect(l.length).toBeLessThanOrEqual(60);
      expect(l.startsWith('          word')).toBe(true);
    }
  });

  test('writes acknowledged findings of a clean run too', () => {
    expect(formatText(sampleReport([ACKNOWLEDGED_FINDING]))).toContain('Acknowledged (1; reported, never failing):');
  });
});
