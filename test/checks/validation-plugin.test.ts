process.env.CDK_VALIDATION = 'false';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ImdsAcknowledgements, ImdsAudit, ImdsHopLimitValidationPlugin, RuleId } from '../../src';
import { addPlugins, pluginReports, synthValidation, VALIDATION_REPORT_CONTEXT } from '../support/compat';

function appWithPlugin() {
  const app = new App();
  addPlugins(app, new ImdsHopLimitValidationPlugin());
  return app;
}

describe('ImdsHopLimitValidationPlugin', () => {
  test('fails synthesis on a launch template with hop limit 2, naming the rule', () => {
    const app = appWithPlugin();
    const stack = new Stack(app, 'Stack');
    new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 } } });
    expect(synthValidation(app)).toEqual({ failed: true, output: expect.stringMatching(/HopLimitAboveOne/) });
  });

  test('sees a hop limit set by an escape hatch on an L2', () => {
    const app = appWithPlugin();
    const stack = new Stack(app, 'Stack');
    const lt = new ec2.LaunchTemplate(stack, 'Lt', { requireImdsv2: true, httpPutResponseHopLimit: 1 });
    (lt.node.defaultChild as ec2.CfnLaunchTemplate).addOverride('Properties.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit', 4);
    expect(synthValidation(app)).toEqual({ failed: true, output: expect.stringMatching(/HopLimitAboveOne/) });
  });

  test('lets a hardened launch template through', () => {
    const app = appWithPlugin();
    const stack = new Stack(app, 'Stack');
    new ec2.LaunchTemplate(stack, 'Lt', { httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED, httpPutResponseHopLimit: 1 });
    expect(synthValidation(app).failed).toBe(false);
  });

  test('does not fail on an acknowledged finding', () => {
    const app = appWithPlugin();
    const stack = new Stack(app, 'Stack');
    const lt = new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 } } });
    ImdsAcknowledgements.add(lt, [{ ruleId: RuleId.HOP_LIMIT_ABOVE_ONE, reason: 'bastion host, no containers run on it' }]);
    expect(synthValidation(app).failed).toBe(false);
  });

  test('audits nested stacks (CDK hands plugins the top-level templates only) and reports their findings once', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'plugin-nested-'));
    const app = new App({ outdir, context: VALIDATION_REPORT_CONTEXT });
    addPlugins(app, new ImdsHopLimitValidationPlugin());
    const parent = new Stack(app, 'Parent');
    const nested = new NestedStack(parent, 'Nodes');
    new ec2.CfnLaunchTemplate(nested, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 } } });
    expect(synthValidation(app).failed).toBe(true);
    const ours = pluginReports(outdir).find((r) => r.pluginName === 'cdk-hardened-eks-imds')!;
    expect(ours.violations.map((v: any) => v.ruleName)).toEqual(['HopLimitAboveOne']);
    expect(JSON.stringify(ours.violations[0])).toMatch(/Parent\/Nodes\/Lt/);
  });

  test('reports findings with the rule, the logical id and the property path', () => {
    const plugin = new ImdsHopLimitValidationPlugin();
    const app = new App();
    const stack = new Stack(app, 'Stack');
    new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'optional', httpPutResponseHopLimit: 1 } } });
    const assembly = app.synth();
    const templatePath = `${assembly.directory}/${assembly.getStackByName('Stack').templateFile}`;
    const report = plugin.validate({ templatePaths: [templatePath], stackTemplates: [{ stackConstructPath: 'Stack', templatePath, accountId: undefined, region: undefined }], appConstruct: app });
    expect(report.success).toBe(false);
    expect(report.violations).toEqual([expect.objectContaining({
      ruleName: 'ImdsV1Allowed',
      severity: 'error',
      violatingResources: [{ resourceLogicalId: 'Lt', templatePath, locations: ['Properties.LaunchTemplateData.MetadataOptions.HttpTokens'] }],
    })]);
  });
});

describe('ImdsAudit.ofStage', () => {
  test('audits every stack of an app, nested stages included', () => {
    const app = new App();
    const stage = new Stage(app, 'Prod');
    const top = new Stack(app, 'Top');
    new ec2.CfnLaunchTemplate(top, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 3 } } });
    const inner = new Stack(stage, 'Inner');
    new ec2.CfnLaunchTemplate(inner, 'Lt', { launchTemplateData: {} });
    const findings = ImdsAudit.ofStage(app);
    expect(findings.map((f) => `${f.stack}:${f.resource}:${f.ruleId}`).sort()).toEqual([
      expect.stringMatching(/Inner:Lt:HopLimitNotPinned$/),
      expect.stringMatching(/Inner:Lt:TokensNotPinned$/),
      expect.stringMatching(/Top:Lt:HopLimitAboveOne$/),
    ].sort((a, b) => String(a).localeCompare(String(b))));
  });
});
