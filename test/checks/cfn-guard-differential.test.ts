// Differential test: our audit engine against an independent oracle, AWS Control Tower's
// CT.EC2.PR.2 (launch templates) and CT.AUTOSCALING.PR.3 (launch configurations) run by the
// cfn-guard binary bundled in @cdklabs/cdk-validator-cfnguard. Every fixture under
// test/fixtures/launch-templates must get the same verdict from both, except the deliberate
// disagreements listed below. Documented in docs/cfn-guard-agreement.md.
import * as fs from 'fs';
import * as path from 'path';
import { auditTemplate } from '../../src/checks/engine';
import { Finding } from '../../src/checks/finding';
import { RuleId } from '../../src/checks/rules';
import { Severity } from '../../src/checks/severity';
import { cfnGuardVersion, GuardVerdict, runControlTowerImdsRules } from '../support/cfn-guard';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'launch-templates');

/** The rules that judge a launch template's or launch configuration's metadata options. */
const METADATA_RULES: readonly string[] = [
  RuleId.HOP_LIMIT_ABOVE_ONE,
  RuleId.HOP_LIMIT_NOT_PINNED,
  RuleId.IMDS_V1_ALLOWED,
  RuleId.TOKENS_NOT_PINNED,
  RuleId.INVALID_HOP_LIMIT,
  RuleId.UNVERIFIABLE,
];

type EngineVerdict = 'pass' | 'fail' | 'unverifiable';

/**
 * A deliberate disagreement: both verdicts are pinned, so the test fails if either side moves
 * (including to agreement). `resource` omitted means every launch template / launch configuration
 * in the fixture.
 */
interface DocumentedDisagreement {
  readonly fixture: string;
  readonly resource?: string;
  readonly guard: GuardVerdict;
  readonly ours: EngineVerdict;
  readonly reason: string;
}

const DELIBERATE_DISAGREEMENTS: readonly DocumentedDisagreement[] = [
  {
    fixture: 'hop-limit-omitted-tokens-required',
    guard: 'pass',
    ours: 'fail',
    reason: 'omitted hop limit: Control Tower passes (assumes the default 1); we flag HopLimitNotPinned because AMIs registered with ImdsSupport v2.0 (AL2023) default to 2',
  },
  {
    fixture: 'metadata-options-omitted',
    guard: 'pass',
    ours: 'fail',
    reason: 'no MetadataOptions: Control Tower passes; we flag HopLimitNotPinned and TokensNotPinned since both are then left to the AMI and account defaults',
  },
  {
    fixture: 'hop-limit-1-tokens-optional',
    guard: 'pass',
    ours: 'fail',
    reason: 'HttpTokens optional: Control Tower checks only the hop limit; we flag ImdsV1Allowed because IMDSv1 GETs are not hop-limited',
  },
  {
    fixture: 'hop-limit-1-tokens-omitted',
    guard: 'pass',
    ours: 'fail',
    reason: 'HttpTokens omitted: Control Tower checks only the hop limit; we flag TokensNotPinned because whether IMDSv1 is allowed then depends on the AMI and account',
  },
  {
    fixture: 'hop-limit-1-as-string',
    guard: 'fail',
    ours: 'pass',
    reason: 'hop limit "1": guard compares a string with the integer 1 and fails it; CloudFormation accepts numeric strings for integer properties, so we read it as 1',
  },
  {
    fixture: 'fn-if-hop-limit-1-in-both-branches',
    guard: 'fail',
    ours: 'pass',
    reason: 'Fn::If with 1 in both branches: guard sees an opaque map that is not comparable to 1 and fails it; we evaluate every branch and each is 1',
  },
  {
    fixture: 'parameter-allowed-values-1',
    guard: 'fail',
    ours: 'pass',
    reason: 'Ref to a parameter whose AllowedValues are [1]: guard does not resolve Ref and fails the map; we follow the parameter and its only possible value is 1',
  },
  {
    fixture: 'parameter-without-allowed-values',
    guard: 'fail',
    ours: 'unverifiable',
    reason: 'Ref to a parameter without AllowedValues: guard fails the unresolved map; we warn Unverifiable because the value is only known at deploy time',
  },
];

interface Row {
  readonly fixture: string;
  readonly resource: string;
  readonly guard: GuardVerdict;
  readonly ours: EngineVerdict;
  readonly ruleIds: string[];
  readonly documented?: DocumentedDisagreement;
}

function fixtureNames(): string[] {
  return fs.readdirSync(FIXTURES)
    .filter(f => f.endsWith('.json'))
    .map(f => f.replace(/\.json$/, ''))
    .sort();
}

function engineVerdict(findings: Finding[]): EngineVerdict {
  const relevant = findings.filter(f => METADATA_RULES.includes(f.ruleId));
  if (relevant.some(f => f.severity === Severity.ERROR)) {
    return 'fail';
  }
  if (relevant.some(f => f.ruleId === RuleId.UNVERIFIABLE)) {
    return 'unverifiable';
  }
  return 'pass';
}

/** Same verdict: both flag it, or neither does (a guard skip, IMDS disabled, counts as not flagged). */
function agrees(guard: GuardVerdict, ours: EngineVerdict): boolean {
  return guard === 'fail' ? ours === 'fail' : ours === 'pass';
}

function documentedFor(fixture: string, resource: string): DocumentedDisagreement | undefined {
  return DELIBERATE_DISAGREEMENTS.find(d => d.fixture === fixture && (d.resource === undefined || d.resource === resource));
}

function compareFixture(fixture: string): Row[] {
  const file = path.join(FIXTURES, `${fixture}.json`);
  const oracle = runControlTowerImdsRules(file);
  const { findings } = auditTemplate(JSON.parse(fs.readFileSync(file, 'utf-8')), { file });
  return [...oracle.entries()].map(([resource, guard]) => {
    const own = findings.filter(f => f.resource === resource);
    return {
      fixture,
      resource,
      guard,
      ours: engineVerdict(own),
      ruleIds: [...new Set(own.map(f => f.ruleId))].sort(),
      documented: documentedFor(fixture, resource),
    };
  });
}

function outcome(row: Row): string {
  if (agrees(row.guard, row.ours)) {
    return row.documented ? 'UNEXPECTED AGREEMENT (documented as a disagreement)' : 'agree';
  }
  if (!row.documented) {
    return 'UNDOCUMENTED DISAGREEMENT';
  }
  if (row.documented.guard !== row.guard || row.documented.ours !== row.ours) {
    return `DISAGREEMENT CHANGED (documented guard ${row.documented.guard} / ours ${row.documented.ours})`;
  }
  return `deliberate: ${row.documented.reason}`;
}

function agreementTable(rows: Row[]): string {
  const lines = [
    '| fixture | resource | cfn-guard (Control Tower) | our engine | outcome |',
    '|---|---|---|---|---|',
    ...rows.map(r => {
      const ours = r.ruleIds.length > 0 ? `${r.ours} (${r.ruleIds.join(', ')})` : r.ours;
      return `| ${r.fixture} | ${r.resource} | ${r.guard} | ${ours} | ${outcome(r)} |`;
    }),
  ];
  const count = (prefix: string) => rows.filter(r => outcome(r).startsWith(prefix)).length;
  lines.push('', `${rows.length} resources: ${count('agree')} agree, ${count('deliberate')} disagree deliberately, ` +
    `${rows.length - count('agree') - count('deliberate')} unexpected`);
  return lines.join('\n');
}

describe('the cfn-guard oracle (Control Tower CT.EC2.PR.2 and CT.AUTOSCALING.PR.3)', () => {
  test('fails a launch template and a launch configuration with hop limit 2', () => {
    const verdicts = runControlTowerImdsRules(path.join(FIXTURES, 'hop-limit-2.json'));
    expect(Object.fromEntries(verdicts)).toEqual({ NodeLaunchTemplate: 'fail', NodeLaunchConfiguration: 'fail' });
  });

  test('passes a launch template and a launch configuration with hop limit 1 and tokens required', () => {
    const verdicts = runControlTowerImdsRules(path.join(FIXTURES, 'hop-limit-1-tokens-required.json'));
    expect(Object.fromEntries(verdicts)).toEqual({ NodeLaunchTemplate: 'pass', NodeLaunchConfiguration: 'pass' });
  });

  test('skips resources whose metadata endpoint is disabled', () => {
    const verdicts = runControlTowerImdsRules(path.join(FIXTURES, 'http-endpoint-disabled-hop-limit-3.json'));
    expect(Object.fromEntries(verdicts)).toEqual({ NodeLaunchTemplate: 'skip', NodeLaunchConfiguration: 'skip' });
  });

  test('fails every intrinsic hop limit, even one that can only be 1, because it compares the map itself with 1', () => {
    for (const fixture of ['fn-if-hop-limit-1-in-both-branches', 'parameter-allowed-values-1', 'fn-if-hop-limit-1-or-2']) {
      const verdicts = runControlTowerImdsRules(path.join(FIXTURES, `${fixture}.json`));
      expect({ fixture, verdicts: Object.fromEntries(verdicts) })
        .toEqual({ fixture, verdicts: { NodeLaunchTemplate: 'fail', NodeLaunchConfiguration: 'fail' } });
    }
  });

  test('checks only the hop limit: tokens optional or omitted pass', () => {
    for (const fixture of ['hop-limit-1-tokens-optional', 'hop-limit-1-tokens-omitted']) {
      const verdicts = runControlTowerImdsRules(path.join(FIXTURES, `${fixture}.json`));
      expect({ fixture, verdicts: Object.fromEntries(verdicts) })
        .toEqual({ fixture, verdicts: { NodeLaunchTemplate: 'pass', NodeLaunchConfiguration: 'pass' } });
    }
  });

  test('throws a clear error for a template that does not exist', () => {
    expect(() => runControlTowerImdsRules(path.join(FIXTURES, 'no-such-fixture.json'))).toThrow(/cfn-guard oracle: no template at/);
  });
});

describe('our engine against Control Tower on every launch template fixture', () => {
  const fixtures = fixtureNames();
  const rows: Row[] = [];

  beforeAll(() => {
    for (const fixture of fixtures) {
      rows.push(...compareFixture(fixture));
    }
    // eslint-disable-next-line no-console
    console.log(`${cfnGuardVersion()} with CT.EC2.PR.2 + CT.AUTOSCALING.PR.3 vs auditTemplate\n\n${agreementTable(rows)}`);
  });

  test('covers between 15 and 25 fixtures, each with a launch template and a launch configuration', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(15);
    expect(fixtures.length).toBeLessThanOrEqual(25);
    for (const fixture of fixtures) {
      expect(rows.filter(r => r.fixture === fixture).map(r => r.resource).sort())
        .toEqual(['NodeLaunchConfiguration', 'NodeLaunchTemplate']);
    }
  });

  test('every documented disagreement names a fixture and resource that exist, with a reason', () => {
    for (const d of DELIBERATE_DISAGREEMENTS) {
      expect(fixtures).toContain(d.fixture);
      expect(rows.some(r => r.documented === d)).toBe(true);
      expect(d.reason.length).toBeGreaterThan(0);
    }
  });

  test.each(fixtureNames())('%s: agrees with Control Tower, or disagrees exactly as documented', (fixture) => {
    const outcomes = rows.filter(r => r.fixture === fixture).map(r => ({ resource: r.resource, outcome: outcome(r) }));
    for (const { resource, outcome: o } of outcomes) {
      expect({ resource, outcome: o }).toEqual({ resource, outcome: expect.stringMatching(/^(agree|deliberate: )/) });
    }
    expect(outcomes.length).toBeGreaterThan(0);
  });
});
