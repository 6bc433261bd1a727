// One acknowledgement, everywhere: whichever way a finding is acknowledged (ImdsAcknowledgements, or
// the id `cdk synth` prints, through Validations.of(scope).acknowledge()), the aspect, the validation
// plugin, ImdsAudit (stack and stage) and the CLI over cdk.out agree, and only for that construct.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AspectPriority, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { ImdsAcknowledgements, ImdsAudit, ImdsHopLimitChecker, ImdsHopLimitValidationPlugin, RuleCatalogue, RuleId } from '../../src';
import { ruleOfNativeId } from '../../src/checks/engine/scoped-acknowledgements';
import { runCli } from '../../src/cli/main';
import { addPlugins, HAS_NATIVE_ACKNOWLEDGEMENTS, nativeAcknowledge, pluginReports, synthValidation } from '../support/compat';
import { CDK_INIT_CONTEXT } from '../support/user-apps';

const REASON = 'Legacy monitoring agent needs IMDS until ticket OPS-42 moves it to Pod Identity.';

/** Two hop-limit-2 launch templates, one under `Legacy` (acknowledged), one under `Other` (not). */
function app(acknowledge: (scope: Construct) => void, options: { context?: object } = {}) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ack-surfaces-'));
  const a = new App({ outdir, context: options.context });
  const stack = new Stack(a, 'Fleet');
  const legacy = new Construct(stack, 'Legacy');
  for (const scope of [legacy, new Construct(stack, 'Other')]) {
    new ec2.CfnLaunchTemplate(scope, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 2 } } });
  }
  acknowledge(legacy);
  return { app: a, stack, outdir };
}

function cliJson(dir: string): { code: number; findings: any[] } {
  let stdout = '';
  const code = runCli(['audit', dir, '--format', 'json'], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => undefined } });
  return { code, findings: JSON.parse(stdout).findings };
}

/** `[construct path, acknowledged]` of each HopLimitAboveOne finding, sorted. */
function verdicts(findings: Array<{ ruleId: string; acknowledged?: boolean; constructPath?: string; path?: string }>): Array<[string, boolean]> {
  return findings.filter((f) => f.ruleId === RuleId.HOP_LIMIT_ABOVE_ONE)
    .map((f): [string, boolean] => [(f.constructPath ?? f.path ?? '').replace(/^\//, ''), f.acknowledged === true])
    .sort();
}

const EXPECTED: Array<[string, boolean]> = [['Fleet/Legacy/Lt', true], ['Fleet/Other/Lt', false]];

const WAYS: Array<[string, (scope: Construct) => void]> = [
  ['ImdsAcknowledgements.add', (scope) => ImdsAcknowledgements.add(scope, [{ ruleId: RuleId.HOP_LIMIT_ABOVE_ONE, reason: REASON }])],
];
if (HAS_NATIVE_ACKNOWLEDGEMENTS) {
  WAYS.push(['Validations.acknowledge with the id cdk synth prints', (scope) => nativeAcknowledge(scope, 'cdk-hardened-eks-imds::HopLimitAboveOne', REASON)]);
}

describe.each(WAYS)('acknowledged with %s', (_way, acknowledge) => {
  test('ImdsAudit.ofStack: acknowledged on that construct only', () => {
    expect(verdicts(ImdsAudit.ofStack(app(acknowledge).stack))).toEqual(EXPECTED);
  });

  test('ImdsAudit.ofStage and the CLI over cdk.out: the same', () => {
    const { app: a, outdir } = app(acknowledge);
    expect(verdicts(ImdsAudit.ofStage(a))).toEqual(EXPECTED);
    const { code, findings } = cliJson(outdir);
    expect(code).toBe(1); // Other's finding is still open
    expect(verdicts(findings)).toEqual(EXPECTED);
  });

  test('the aspect: an error on Other, none on Legacy', () => {
    const { app: a, stack } = app(acknowledge);
    Aspects.of(a).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
    const annotations = Annotations.fromStack(stack);
    annotations.hasError('/Fleet/Other/Lt', Match.stringLikeRegexp('\\[HopLimitAboveOne\\]'));
    expect(annotations.findError('/Fleet/Legacy/Lt', Match.anyValue())).toEqual([]);
  });

  test('the validation plugin: fails on Other only', () => {
    const { app: a } = app(acknowledge);
    addPlugins(a, new ImdsHopLimitValidationPlugin());
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(synthValidation(a)).toEqual({ failed: true, output: expect.stringMatching(/Fleet\/Other\/Lt/) });
    } finally {
      errors.mockRestore();
    }
  });
});

test('with the aspect and the plugin both on, each finding is reported once (by the aspect)', () => {
  const { app: a, outdir } = app(() => undefined);
  Aspects.of(a).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
  addPlugins(a, new ImdsHopLimitValidationPlugin());
  // The plugin has nothing left to report, so it does not fail synth a second time.
  const assembly = a.synth();
  const errors = assembly.getStackByName('Fleet').messages.filter((m) => m.level === 'error');
  expect(errors.map((m) => m.id).sort()).toEqual(['/Fleet/Legacy/Lt', '/Fleet/Other/Lt']);
  const report = path.join(outdir, 'validation-report.json');
  const plugins = fs.existsSync(report) ? JSON.parse(fs.readFileSync(report, 'utf8')).pluginReports : [];
  expect(plugins.filter((r: any) => r.pluginName === 'cdk-hardened-eks-imds' && r.violations.length > 0)).toEqual([]);
  // Without the aspect, the plugin reports them.
  const { app: alone } = app(() => undefined);
  addPlugins(alone, new ImdsHopLimitValidationPlugin());
  const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    expect(synthValidation(alone)).toEqual({ failed: true, output: expect.stringMatching(/HopLimitAboveOne/) });
  } finally {
    quiet.mockRestore();
  }
});

test('with the aspect and the plugin both on, a finding on the whole template (a macro) is reported once too', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ack-surfaces-macro-'));
  const a = new App({ outdir });
  const stack = new Stack(a, 'Fleet');
  stack.addTransform('NodeFleetMacro');
  new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 } } });
  Aspects.of(a).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
  addPlugins(a, new ImdsHopLimitValidationPlugin());
  const assembly = a.synth();
  const warnings = assembly.getStackByName('Fleet').messages.filter((m) => m.level === 'warning' && /\[Unverifiable\].*NodeFleetMacro/.test(String(m.entry.data)));
  expect(warnings).toHaveLength(1);
  const ours = pluginReports(outdir).find((r) => r.pluginName === 'cdk-hardened-eks-imds');
  expect(ours?.violations ?? []).toEqual([]);
});

test('under the cdk init flags, acknowledged findings are printed with their reason (info annotations would be dropped)', () => {
  const { app: a } = app((scope) => ImdsAcknowledgements.add(scope, [{ ruleId: RuleId.HOP_LIMIT_ABOVE_ONE, reason: REASON }]),
    { context: CDK_INIT_CONTEXT });
  ImdsAcknowledgements.add(a.node.findChild('Fleet').node.findChild('Other'), [{ ruleId: RuleId.HOP_LIMIT_ABOVE_ONE, reason: REASON }]);
  Aspects.of(a).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
  const written: string[] = [];
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((s: any) => (written.push(String(s)), true));
  try {
    a.synth();
  } finally {
    stderr.mockRestore();
  }
  const text = written.join('');
  expect(text).toContain('2 acknowledged IMDS finding(s) in Fleet');
  expect(text).toContain(`[HopLimitAboveOne] Fleet/Legacy/Lt: ${REASON}`);
});

test('a reason of one character read from metadata does not acknowledge anything', () => {
  const template = {
    Resources: {
      Lt: {
        Type: 'AWS::EC2::LaunchTemplate',
        Metadata: { 'cdk-hardened-eks': { acknowledgements: [{ ruleId: 'HopLimitAboveOne', reason: 'x' }] } },
        Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } } },
      },
    },
  };
  const [finding, ...others] = ImdsAudit.ofTemplate(template);
  expect(others).toEqual([]);
  expect(finding.ruleId).toBe('HopLimitAboveOne');
  expect(finding.acknowledged).toBeUndefined();
});

test('every rule in the registry can be acknowledged by the id cdk synth prints for it (and by its legacy annotation id)', () => {
  const ids = RuleCatalogue.all().map((r) => r.id);
  expect(ids).toContain('ImdsV1Allowed');
  for (const id of ids) {
    expect([id, ruleOfNativeId(`cdk-hardened-eks-imds::${id}`)]).toEqual([id, id]);
    expect([id, ruleOfNativeId(`Annotation::cdk-hardened-eks:${id}`)]).toEqual([id, id]);
  }
  expect(ruleOfNativeId('cdk-hardened-eks-imds::NoSuchRule')).toBeUndefined();
  expect(ruleOfNativeId('cdk-hardened-eks-imds::1ImdsV1Allowed')).toBeUndefined();
});

test('ImdsV1Allowed (a rule id with a digit) acknowledged on a scope the way Validations.acknowledge records it: the aspect and the CLI agree', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ack-surfaces-v1-'));
  const a = new App({ outdir });
  const stack = new Stack(a, 'Fleet');
  const legacy = new Construct(stack, 'Legacy');
  for (const scope of [legacy, new Construct(stack, 'Other')]) {
    new ec2.CfnLaunchTemplate(scope, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'optional', httpPutResponseHopLimit: 1 } } });
  }
  if (HAS_NATIVE_ACKNOWLEDGEMENTS) {
    nativeAcknowledge(legacy, 'cdk-hardened-eks-imds::ImdsV1Allowed', REASON);
  } else {
    legacy.node.addMetadata('aws:cdk:acknowledged-rules', { 'cdk-hardened-eks-imds::ImdsV1Allowed': REASON });
  }
  Aspects.of(a).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
  const annotations = Annotations.fromStack(stack);
  annotations.hasError('/Fleet/Other/Lt', Match.stringLikeRegexp('\\[ImdsV1Allowed\\]'));
  expect(annotations.findError('/Fleet/Legacy/Lt', Match.anyValue())).toEqual([]);
  annotations.hasInfo('/Fleet/Legacy/Lt', Match.stringLikeRegexp('\\[ImdsV1Allowed\\]'));
  const { findings } = cliJson(outdir);
  expect(findings.filter((f) => f.ruleId === 'ImdsV1Allowed').map((f) => [(f.constructPath ?? f.path ?? '').replace(/^\//, ''), f.acknowledged === true]).sort())
    .toEqual([['Fleet/Legacy/Lt', true], ['Fleet/Other/Lt', false]]);
});
