// Benchmark (not a test): the audit's cost on large, generated inputs, at N and 10N, so that a
// formatter or parser that is not linear shows as a 10N/N ratio far above 10.
//
//   npx projen bench:inputs        BENCH_INPUT_N=400 npx projen bench:inputs   (quick look)
//
// Each measure is the median of 3 runs of: a template with N hop-limit-2 launch templates (engine,
// text and SARIF reports: N findings), a YAML template with N resources (parse with duplicate-key
// checking), N acknowledgement lookups among N records, a manifest file with N EC2NodeClasses. Results: a table on stdout.
import { performance } from 'perf_hooks';
import { auditKubernetesObjects, auditTemplate } from '../src/checks/engine';
import { NATIVE_ACKNOWLEDGEMENT_METADATA, ScopedAcknowledgements } from '../src/checks/engine/scoped-acknowledgements';
import { formatSarif } from '../src/checks/report/sarif';
import { formatText } from '../src/checks/report/text';
import { parseCloudFormationYaml } from '../src/checks/sources/cfn-yaml';
import { parseKubernetesManifest } from '../src/checks/sources/kubernetes-yaml';

const N = Number(process.env.BENCH_INPUT_N ?? 4000);

function templateJson(n: number): string {
  const resources: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    resources[`Lt${i}`] = { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } } } };
  }
  return JSON.stringify({ Resources: resources }, undefined, 2);
}

function templateYaml(n: number): string {
  let text = 'Resources:\n';
  for (let i = 0; i < n; i++) {
    text += `  Queue${i}:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: q${i}\n`;
  }
  return text;
}

function manifestYaml(n: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    docs.push(`apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata:\n  name: nc${i}\nspec:\n  metadataOptions:\n    httpPutResponseHopLimit: 2\n`);
  }
  return docs.join('---\n');
}

function median(run: () => void): number {
  const times: number[] = [];
  for (let r = 0; r < 3; r++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[1];
}

const MEASURES: Array<[string, (n: number) => () => void]> = [
  ['engine + text report (N findings)', (n) => {
    const text = templateJson(n);
    return () => formatText({ ...auditTemplate(JSON.parse(text), { file: 't.json' }), files: ['t.json'] });
  }],
  ['engine + SARIF report with regions (N findings)', (n) => {
    const text = templateJson(n);
    return () => formatSarif({ ...auditTemplate(JSON.parse(text), { file: 't.json' }), files: ['t.json'] }, { readSource: () => text });
  }],
  ['YAML template parse, duplicate keys checked (N resources)', (n) => {
    const text = templateYaml(n);
    return () => parseCloudFormationYaml(text, 't.yaml');
  }],
  // Ten per unit: at N = 4000 the lookups are about 2 ms and the records fit in the CPU's caches,
  // which a 10N run does not (cache effects, not the algorithm, then dominate the ratio).
  ['acknowledgement lookups (10 records on scopes and 10 finding paths below them per unit of N)', (unit) => {
    const n = 10 * unit;
    const acks = ScopedAcknowledgements.fromMetadataEntries(Array.from({ length: n }, (_, i) => ({
      path: `Platform/Team${i}`, type: NATIVE_ACKNOWLEDGEMENT_METADATA, data: { 'cdk-hardened-eks-imds::HopLimitAboveOne': `legacy fleet ${i} until OPS-42` },
    })));
    return () => {
      for (let i = 0; i < n; i++) {
        if (acks.forPath(`Platform/Team${i}/Nodes/Lt/Resource`).size !== 1) throw new Error('lookup failed');
      }
    };
  }],
  ['manifest parse + engine (N EC2NodeClasses)', (n) => {
    const text = manifestYaml(n);
    return () => auditKubernetesObjects(parseKubernetesManifest(text, 'm.yaml'));
  }],
];

const rows = MEASURES.map(([name, make]) => {
  const small = median(make(N));
  const large = median(make(10 * N));
  return { name, small, large, ratio: large / small };
});
console.log(`| input | N = ${N} (ms) | 10N = ${10 * N} (ms) | 10N / N |`);
console.log('| --- | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.name} | ${r.small.toFixed(0)} | ${r.large.toFixed(0)} | ${r.ratio.toFixed(1)} |`);
}
