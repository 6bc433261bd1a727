// The rule registry: one file per rule, the engine's judged types and kinds agree with what the
// rules say they judge, and an Unverifiable finding names the rule that could not decide, so users
// can fail on unknown IMDS values without failing on unknown IAM documents.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AspectPriority, Aspects, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ImdsAudit, ImdsHopLimitChecker, RuleCatalogue, RuleCategory, RuleId, Severity } from '../../src';
import { KNOWN_ADDONS, NOTHING_TO_SET } from '../../src/checks/engine/addons';
import { JUDGED_KINDS } from '../../src/checks/engine/kubernetes';
import { JUDGED_RESOURCE_TYPES } from '../../src/checks/engine/template';
import { toSarifLog } from '../../src/checks/report/sarif';
import { runCli } from '../../src/cli/main';

const RULES_DIR = path.join(__dirname, '..', '..', 'src', 'checks', 'rules');
const SUPPORT_FILES = new Set(['index.ts', 'registry.ts', 'rule.ts', 'rule-id.ts', 'rule-module.ts', 'construct-fixes.ts', 'judged.ts']);

describe('the registry', () => {
  test('each rule file declares exactly one rule, and every rule is in the catalogue once', () => {
    const files = fs.readdirSync(RULES_DIR).filter((f) => f.endsWith('.ts') && !SUPPORT_FILES.has(f));
    const declared = files.map((f) => {
      const text = fs.readFileSync(path.join(RULES_DIR, f), 'utf8');
      const ids = [...text.matchAll(/^ {2}id: RuleId\.(\w+),$/gm)].map((m) => m[1]);
      expect({ file: f, rules: ids.length }).toEqual({ file: f, rules: 1 });
      return (RuleId as unknown as Record<string, string>)[ids[0]];
    });
    const catalogued = RuleCatalogue.all().map((r) => r.id);
    expect(new Set(catalogued).size).toBe(catalogued.length);
    expect([...declared].sort()).toEqual([...catalogued].sort());
  });

  test('what the rules say they judge is exactly what the engine judges', () => {
    const rules = RuleCatalogue.all();
    const types = new Set(rules.flatMap((r) => r.judges.resourceTypes));
    const kinds = new Set(rules.flatMap((r) => r.judges.kubernetesKinds));
    expect([...types].sort()).toEqual([...new Set(JUDGED_RESOURCE_TYPES)].sort());
    expect([...kinds].sort()).toEqual([...new Set(JUDGED_KINDS)].sort());
  });

  test('Unverifiable judges everything judged; each category has its rules; lookups by type work', () => {
    const unverifiable = RuleCatalogue.get(RuleId.UNVERIFIABLE);
    expect([...unverifiable.judges.resourceTypes].sort()).toEqual([...new Set(JUDGED_RESOURCE_TYPES)].sort());
    expect(RuleCatalogue.ofCategory(RuleCategory.IDENTITY).map((r) => r.id)).toEqual([
      RuleId.IRSA_TRUST_WITHOUT_SUBJECT, RuleId.IRSA_TRUST_WILDCARD_SUBJECT, RuleId.POD_IDENTITY_TRUST_WITHOUT_TAG_SESSION,
      RuleId.POD_IDENTITY_TRUST_UNSCOPED, RuleId.NODE_ROLE_WORKLOAD_POLICY, RuleId.WORKLOAD_ROLE_WILDCARD,
    ]);
    expect(RuleCatalogue.all().every((r) => RuleCategory.all().includes(r.category))).toBe(true);
    expect(RuleCatalogue.judging('AWS::EKS::Nodegroup').map((r) => r.id)).toEqual([RuleId.NODEGROUP_DEFAULT_LAUNCH_TEMPLATE, RuleId.UNVERIFIABLE]);
    expect(RuleCatalogue.judging('AWS::S3::Bucket')).toEqual([]);
  });

  test('definitions handed out are copies: changing one does not change the registry', () => {
    const rule = RuleCatalogue.get(RuleId.HOP_LIMIT_ABOVE_ONE);
    rule.judges.resourceTypes.push('AWS::S3::Bucket');
    expect(RuleCatalogue.judging('AWS::S3::Bucket')).toEqual([]);
  });

  test('findings take their fix from the registry, not from a copy someone changed', () => {
    const fqn = 'aws-cdk-lib.aws_ec2.LaunchTemplate';
    const expected = RuleCatalogue.fixFor(RuleId.HOP_LIMIT_ABOVE_ONE, fqn);
    const rule = RuleCatalogue.get(RuleId.HOP_LIMIT_ABOVE_ONE) as { fix: string; constructFixes?: Record<string, string> };
    rule.fix = 'changed';
    if (rule.constructFixes) rule.constructFixes[fqn] = 'changed';
    const stack = new Stack(new App(), 'Fix');
    new ec2.LaunchTemplate(stack, 'Lt', { requireImdsv2: true, httpPutResponseHopLimit: 2 });
    const finding = ImdsAudit.ofStack(stack).find((f) => f.ruleId === RuleId.HOP_LIMIT_ABOVE_ONE);
    expect(finding?.fix).toBe(expected);
    expect(expected).not.toBe('changed');
  });
});

// ------------------------------------------------------------------- Unverifiable names its rule

/** A stack with an unknown hop limit (IMDS) and a Pod Identity role whose policy has an unknown action (identity). */
function mixedUnknowns(): Stack {
  const stack = new Stack(new App(), 'Mixed');
  const hop = new CfnParameter(stack, 'Hop', { type: 'Number' });
  new ec2.CfnLaunchTemplate(stack, 'Lt', {
    launchTemplateData: { metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: hop.valueAsNumber } },
  });
  const role = new iam.Role(stack, 'PodRole', {
    assumedBy: new iam.SessionTagsPrincipal(new iam.ServicePrincipal('pods.eks.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
    })),
  });
  // An action only known at deploy time (e.g. from a parameter of a shared template).
  role.addToPolicy(new iam.PolicyStatement({ actions: [new CfnParameter(stack, 'Action').valueAsString], resources: ['*'] }));
  return stack;
}

const unknowns = (findings: ReturnType<typeof ImdsAudit.ofStack>) =>
  findings.filter((f) => f.ruleId === RuleId.UNVERIFIABLE).map((f) => ({
    resource: f.resource, decidingRuleId: f.decidingRuleId, category: f.category, severity: f.severity,
  })).sort((a, b) => String(a.resource).localeCompare(String(b.resource)));

describe('Unverifiable findings name the rule that could not decide', () => {
  test('an unknown hop limit is HopLimitAboveOne\'s (imds); an unknown action on a Pod Identity role is WorkloadRoleWildcard\'s (identity)', () => {
    const findings = ImdsAudit.ofStack(mixedUnknowns());
    expect(unknowns(findings)).toEqual([
      { resource: 'Lt', decidingRuleId: RuleId.HOP_LIMIT_ABOVE_ONE, category: RuleCategory.IMDS, severity: Severity.WARNING },
      { resource: 'PodRole', decidingRuleId: RuleId.WORKLOAD_ROLE_WILDCARD, category: RuleCategory.IDENTITY, severity: Severity.WARNING },
    ].map((u) => ({ ...u, resource: expect.stringMatching(new RegExp(`^${u.resource.slice(0, 7)}`)) })));
    for (const f of findings.filter((x) => x.ruleId === RuleId.UNVERIFIABLE)) {
      expect(f.message).toMatch(new RegExp(`\\(${f.decidingRuleId} cannot decide\\)$`));
    }
  });

  test('every other finding carries its own rule\'s category', () => {
    const stack = new Stack(new App(), 'Plain');
    new ec2.CfnLaunchTemplate(stack, 'Lt', { launchTemplateData: { metadataOptions: { httpTokens: 'optional', httpPutResponseHopLimit: 2 } } });
    expect(ImdsAudit.ofStack(stack).map((f) => [f.ruleId, f.category, f.decidingRuleId])).toEqual([
      [RuleId.HOP_LIMIT_ABOVE_ONE, RuleCategory.IMDS, undefined],
      [RuleId.IMDS_V1_ALLOWED, RuleCategory.IMDS, undefined],
    ]);
  });

  test('a macro hides every rule: Unverifiable with no deciding rule, category imds', () => {
    const findings = ImdsAudit.ofTemplate({ Transform: 'MyMacro', Resources: {} });
    expect(findings.map((f) => [f.ruleId, f.category, f.decidingRuleId])).toEqual([[RuleId.UNVERIFIABLE, RuleCategory.IMDS, undefined]]);
  });

  test('Unverifiable:imds fails unknown IMDS values and leaves unknown IAM documents as warnings', () => {
    const findings = ImdsAudit.ofStack(mixedUnknowns(), { severityOverrides: { [RuleId.unverifiableOf(RuleCategory.IMDS)]: Severity.ERROR } });
    expect(unknowns(findings).map((u) => [u.decidingRuleId, u.severity])).toEqual([
      [RuleId.HOP_LIMIT_ABOVE_ONE, Severity.ERROR],
      [RuleId.WORKLOAD_ROLE_WILDCARD, Severity.WARNING],
    ]);
  });

  test('the most specific key wins: rule over category over Unverifiable', () => {
    const findings = ImdsAudit.ofStack(mixedUnknowns(), {
      severityOverrides: {
        [RuleId.UNVERIFIABLE]: Severity.ERROR,
        [RuleId.unverifiableOf(RuleCategory.IDENTITY)]: Severity.WARNING,
        [RuleId.unverifiableOf(RuleId.HOP_LIMIT_ABOVE_ONE)]: Severity.WARNING,
      },
    });
    expect(unknowns(findings).map((u) => u.severity)).toEqual([Severity.WARNING, Severity.WARNING]);
    const plain = ImdsAudit.ofStack(mixedUnknowns(), { severityOverrides: { [RuleId.UNVERIFIABLE]: Severity.ERROR } });
    expect(unknowns(plain).map((u) => u.severity)).toEqual([Severity.ERROR, Severity.ERROR]);
  });

  test('disabling a rule drops the unknowns only it needed', () => {
    const findings = ImdsAudit.ofStack(mixedUnknowns(), { disabledRules: [RuleId.WORKLOAD_ROLE_WILDCARD] });
    expect(unknowns(findings).map((u) => u.decidingRuleId)).toEqual([RuleId.HOP_LIMIT_ABOVE_ONE]);
  });

  test('a key after Unverifiable: that is neither a rule nor a category is refused, naming the key and the fix', () => {
    expect(() => new ImdsHopLimitChecker({ severityOverrides: { 'Unverifiable:iam': Severity.ERROR } }))
      .toThrow(/ImdsHopLimitChecker: severityOverrides key 'Unverifiable:iam' names neither a rule nor a category .*imds, identity, addon/);
    expect(() => new ImdsHopLimitChecker({ severityOverrides: { 'Unverifiable:HopLimitAboveOne': Severity.ERROR } })).not.toThrow();
  });

  test('the aspect fails synth on an unknown hop limit under Unverifiable:imds, and only warns on the unknown action', () => {
    const stack = mixedUnknowns();
    Aspects.of(stack.node.root).add(new ImdsHopLimitChecker({ severityOverrides: { 'Unverifiable:imds': Severity.ERROR } }),
      { priority: AspectPriority.READONLY });
    const messages = Annotations.fromStack(stack);
    expect(messages.findError('*', Match.stringLikeRegexp('Unverifiable')).map((m) => m.entry.data))
      .toEqual([expect.stringMatching(/HopLimitAboveOne cannot decide/)]);
    expect(messages.findWarning('*', Match.stringLikeRegexp('Unverifiable')).map((m) => m.entry.data))
      .toEqual([expect.stringMatching(/WorkloadRoleWildcard cannot decide/)]);
  });
});

// ------------------------------------------------------------------------------ CLI and SARIF

describe('surfaces read the registry', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-hardened-eks-registry-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const templateFile = path.join(dir, 'unknown-hop.json');
  fs.writeFileSync(templateFile, JSON.stringify({
    Parameters: { Hop: { Type: 'Number' } },
    Resources: { Lt: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: { Ref: 'Hop' } } } } } },
  }));
  const cli = (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = runCli(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
    return { code, stdout, stderr };
  };

  test('CLI --severity Unverifiable:imds=error fails on an unknown hop limit; Unverifiable:identity=error does not', () => {
    expect(cli('audit', templateFile).code).toBe(0);
    expect(cli('audit', templateFile, '--severity', 'Unverifiable:imds=error').code).toBe(1);
    expect(cli('audit', templateFile, '--severity', 'Unverifiable:identity=error').code).toBe(0);
    const json = JSON.parse(cli('audit', templateFile, '--format', 'json').stdout);
    expect(json.findings.map((f: any) => [f.ruleId, f.decidingRuleId, f.category])).toEqual([[RuleId.UNVERIFIABLE, RuleId.HOP_LIMIT_ABOVE_ONE, 'imds']]);
  });

  test('CLI --severity with a bad pair or key is a usage error naming it', () => {
    const bad = cli('audit', templateFile, '--severity', 'Unverifiable:iam=error');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--severity: severityOverrides key 'Unverifiable:iam'/);
    expect(bad.stderr).not.toMatch(/internal error/);
    expect(cli('audit', templateFile, '--severity', 'error').stderr).toMatch(/--severity takes KEY=SEVERITY .*not 'error'/);
    expect(cli('audit', templateFile, '--severity', 'HopLimitAboveOne=fatal').stderr).toMatch(/severity 'fatal'/);
  });

  test('CLI help lists the rules by category', () => {
    const help = cli('--help').stdout;
    for (const category of [RuleCategory.IMDS, RuleCategory.IDENTITY]) {
      const block = help.slice(help.indexOf(`\n${category}:\n`));
      expect(block).toMatch(new RegExp(`^\\n${category}:\\n {2}${RuleCatalogue.ofCategory(category)[0].id}`));
    }
  });

  test('SARIF tags each rule with its category, and results carry the deciding rule', () => {
    const findings = ImdsAudit.ofStack(mixedUnknowns());
    const log = toSarifLog({ findings, checked: {}, files: [] });
    const rules = log.runs[0].tool.driver.rules!;
    for (const r of RuleCatalogue.all()) {
      const descriptor = rules.find((d) => d.id === r.id)!;
      expect(descriptor.properties!.category).toBe(r.category);
      expect(descriptor.properties!.tags).toContain(r.category === RuleCategory.IDENTITY ? 'iam' : r.category);
    }
    expect(log.runs[0].results!.map((x) => x.properties!.decidingRuleId).sort())
      .toEqual([RuleId.HOP_LIMIT_ABOVE_ONE, RuleId.WORKLOAD_ROLE_WILDCARD]);
  });
});

test('AddonNeedsImds says which add-ons it judges: exactly the catalogue\'s with something to set', () => {
  const summary = RuleCatalogue.all().find((r) => r.id === RuleId.ADDON_NEEDS_IMDS)!.summary;
  const [helm, eks] = summary.split('EKS add-ons:');
  for (const addon of KNOWN_ADDONS) {
    const judged = addon.needs !== NOTHING_TO_SET;
    for (const chart of addon.charts) {
      expect([chart, helm.includes(chart)]).toEqual([chart, judged]);
    }
    for (const name of addon.addonNames) {
      expect([name, eks.includes(name)]).toEqual([name, judged]);
    }
  }
});

