import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import type { Log } from 'sarif';
import {
  ACKNOWLEDGED_FINDING,
  EMBEDDED_OBJECT_FINDING,
  MANIFEST_FINDING,
  sampleReport,
  TEMPLATE_FINDING,
} from './sample-report';
import { formatSarif, toSarifLog, uriOf } from '../../../src/checks/report/sarif';
import { RuleCatalogue } from '../../../src/checks/rules';
import { auditPaths } from '../../../src/checks/sources/audit-paths';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures');

/** The SARIF 2.1.0 schema (draft-04) as ajv 8 reads it, with the formats it uses checked by hand. */
function sarifValidator() {
  const schema = JSON.parse(
    fs.readFileSync(path.join(ROOT, 'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
  );
  delete schema.$schema;
  schema.$id = schema.id;
  delete schema.id;
  // The schema's language pattern is not valid in unicode mode (`]?`): compile patterns without the u flag.
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  ajv.addFormat('uri', (s: string) => /^[a-z][a-z0-9+.-]*:[^\s]*$/i.test(s));
  ajv.addFormat('uri-reference', (s: string) => !/\s/.test(s) && !/\\/.test(s));
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  return ajv.compile(schema);
}

const validate = sarifValidator();
const expectValidSarif = (text: string) => {
  const valid = validate(JSON.parse(text));
  expect(validate.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
};

describe('SARIF report', () => {
  test('the schema check rejects a log that breaks the SARIF schema', () => {
    const log = toSarifLog(sampleReport()) as any;
    log.runs[0].results[0].level = 'fatal';
    expect(validate(log)).toBe(false);
    const badUri = toSarifLog(sampleReport()) as any;
    badUri.runs[0].tool.driver.informationUri = 'not a uri';
    expect(validate(badUri)).toBe(false);
  });

  test('is valid SARIF 2.1.0 for hand-made findings of every shape', () => {
    expectValidSarif(formatSarif(sampleReport()));
  });

  test('is valid SARIF 2.1.0 for a real audit of an assembly, manifests and a YAML template', () => {
    const report = auditPaths([
      path.join(FIXTURES, 'assemblies', 'nested-stage'),
      path.join(FIXTURES, 'manifests', 'karpenter-and-workloads.yaml'),
      path.join(FIXTURES, 'manifests', 'objects.json'),
      path.join(FIXTURES, 'templates', 'short-forms.yaml'),
    ]);
    expect(report.findings.length).toBeGreaterThan(3);
    const text = formatSarif(report, { readSource: (f) => fs.readFileSync(f, 'utf8'), baseDir: ROOT });
    expectValidSarif(text);
    const log = JSON.parse(text) as Log;
    const uris = log.runs[0].results!.map((r) => r.locations![0].physicalLocation!.artifactLocation!.uri);
    expect(uris).toContain('test/fixtures/assemblies/nested-stage/Root.template.json');
    expect(uris.every((u) => !path.isAbsolute(u!))).toBe(true);
  });

  test('describes the tool: name, version from package.json, the rule catalogue', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const { driver } = toSarifLog(sampleReport()).runs[0].tool;
    expect(driver.name).toBe('cdk-hardened-eks');
    expect(driver.version).toBe(pkg.version);
    expect(driver.rules!.map((r) => r.id)).toEqual(RuleCatalogue.all().map((r) => r.id));
    const rule = driver.rules!.find((r) => r.id === 'Unverifiable')!;
    const def = RuleCatalogue.get('Unverifiable');
    expect(rule.shortDescription!.text).toBe(def.summary);
    expect(rule.fullDescription!.text).toBe(def.explanation);
    expect(rule.help).toEqual({ text: def.fix, markdown: def.fix });
    expect(rule.defaultConfiguration!.level).toBe('warning');
    expect(rule.helpUri).toMatch(/^https:\/\/github\.com\/.+#rules$/);
    expect(driver.rules!.find((r) => r.id === 'HopLimitAboveOne')!.defaultConfiguration!.level).toBe('error');
  });

  test('writes one result per finding with rule index, level, message, file and logical locations', () => {
    const log = toSarifLog(sampleReport([TEMPLATE_FINDING, EMBEDDED_OBJECT_FINDING, MANIFEST_FINDING]));
    const { results, tool } = log.runs[0];
    expect(results).toHaveLength(3);
    for (const r of results!) {
      expect(tool.driver.rules![r.ruleIndex!].id).toBe(r.ruleId);
    }
    const [template, embedded, manifest] = results!;
    expect(template.level).toBe('error');
    expect(template.message.text).toContain('HttpPutResponseHopLimit is 2');
    expect(template.locations![0].physicalLocation!.artifactLocation!.uri).toBe('cdk.out/assembly-Prod/ProdPlatform.template.json');
    expect(template.locations![0].logicalLocations).toEqual([
      { name: 'NodeLaunchTemplate', fullyQualifiedName: 'Prod/Platform/NodeLaunchTemplate', kind: 'resource' },
      { name: 'Resource', fullyQualifiedName: 'Prod/Platform/Nodes/LaunchTemplate/Resource', kind: 'module' },
    ]);
    expect(embedded.locations![0].logicalLocations!.map((l) => l.name)).toEqual([
      'ClusterKarpenterNodeClassD1E2F3A4',
      'EC2NodeClass/beta',
    ]);
    expect(manifest.level).toBe('warning');
    expect(manifest.locations![0].logicalLocations).toEqual([
      { name: 'DaemonSet/node-exporter', fullyQualifiedName: 'DaemonSet/node-exporter', kind: 'object' },
    ]);
    expect(results!.every((r) => r.suppressions === undefined)).toBe(true);
  });

  test('marks acknowledged findings as externally suppressed with the written reason', () => {
    const [result] = toSarifLog(sampleReport([ACKNOWLEDGED_FINDING])).runs[0].results!;
    expect(result.suppressions).toEqual([
      { kind: 'external', status: 'accepted', justification: 'The shared launch template is audited in the platform repository.' },
    ]);
  });

  test('points each result at the line of the offending key when it can read the file', () => {
    const file = path.join(FIXTURES, 'assemblies', 'nested-stage', 'Root.template.json');
    const report = auditPaths([file]);
    const log = toSarifLog(report, { readSource: (f) => fs.readFileSync(f, 'utf8'), baseDir: ROOT });
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const line = log.runs[0].results![0].locations![0].physicalLocation!.region!.startLine!;
    expect(lines[line - 1]).toContain('"HttpPutResponseHopLimit": 2');
  });

  test('points at line 1 when the file cannot be read', () => {
    const log = toSarifLog(sampleReport([TEMPLATE_FINDING]), {
      readSource: () => {
        throw new Error('ENOENT');
      },
    });
    expect(log.runs[0].results![0].locations![0].physicalLocation!.region).toEqual({ startLine: 1 });
  });

  test('gives each finding a stable fingerprint that does not depend on its line', () => {
    const a = toSarifLog(sampleReport()).runs[0].results!.map((r) => r.partialFingerprints);
    const b = toSarifLog(sampleReport(), { readSource: () => '\n\nResources:\n  NodeLaunchTemplate:\n' }).runs[0].results!.map(
      (r) => r.partialFingerprints,
    );
    expect(a).toEqual(b);
    expect(new Set(a.map((f) => JSON.stringify(f))).size).toBe(a.length);
  });

  test('lists the audited files as artifacts', () => {
    expect(toSarifLog(sampleReport()).runs[0].artifacts!.map((a) => a.location!.uri)).toEqual([
      'cdk.out/assembly-Prod/ProdPlatform.template.json',
      'manifests/monitoring.yaml',
    ]);
  });
});

describe('uriOf', () => {
  test('makes absolute paths relative to the base directory, with forward slashes', () => {
    expect(uriOf('/repo/cdk.out/A.template.json', '/repo')).toBe('cdk.out/A.template.json');
    expect(uriOf('cdk.out\\assembly-Prod\\B.template.json', '/repo')).toBe('cdk.out/assembly-Prod/B.template.json');
    expect(uriOf('./manifests/x.yaml', '/repo')).toBe('manifests/x.yaml');
  });

  test('percent-encodes what a URI reference cannot hold', () => {
    expect(uriOf('my manifests/a#1.yaml', '/repo')).toBe('my%20manifests/a%231.yaml');
    expect(uriOf('c:colon/x.yaml', '/repo')).toBe('c%3Acolon/x.yaml');
  });
});
