/**
 * Regenerates the rule table in README.md and docs/rules.md from the rule catalogue, so the
 * rules are written once (src/checks/rules/, one file per rule). Run by `npx projen readme:rules` before compile;
 * test/readme-rules.test.ts fails when the committed files are out of date.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CertManager, EbsCsiDriver, ExternalDns, LoadBalancerController } from '../src/addons';
import { installedRightBy, KNOWN_ADDONS } from '../src/checks/engine/addons';
import { RuleCatalogue } from '../src/checks/rules';

const START = '<!-- rules:start (generated from src/checks/rules/ by scripts/readme-rules.ts; do not edit) -->';
const END = '<!-- rules:end -->';
const ADDONS_START = '<!-- addons:start (generated from src/checks/engine/addons.ts by scripts/readme-rules.ts; do not edit) -->';
const ADDONS_END = '<!-- addons:end -->';
const INSTALLED_START = '<!-- addon-constructs:start (generated from src/checks/engine/addons.ts by scripts/readme-rules.ts; do not edit) -->';
const INSTALLED_END = '<!-- addon-constructs:end -->';
/** Default chart versions of the Helm-installed add-on constructs (the managed ones default to EKS's). */
const DEFAULT_VERSIONS: Record<string, string> = {
  LoadBalancerController: LoadBalancerController.DEFAULT_VERSION,
  EbsCsiDriver: EbsCsiDriver.DEFAULT_VERSION,
  ExternalDns: ExternalDns.DEFAULT_VERSION,
  CertManager: CertManager.DEFAULT_VERSION,
};
export const ROOT = path.join(__dirname, '..');

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const codes = (names: string[]) => (names.length > 0 ? names.map((n) => `\`${n}\``).join(', ') : '—');

/** The generated files' expected content, given the current README. */
export function renderRuleDocs(readme: string): { 'README.md': string; 'docs/rules.md': string } {
  const rules = RuleCatalogue.all();
  const table = [
    '| Rule | Category | Default severity | Fires when | Fix |',
    '| --- | --- | --- | --- | --- |',
    ...rules.map((r) => `| \`${r.id}\` | ${r.category} | ${r.defaultSeverity} | ${cell(r.summary)} | ${cell(r.fix)} |`),
  ].join('\n');
  const details = [
    '# IMDS checker rules',
    '',
    'Generated from the rule registry (`src/checks/rules/`, one file per rule) by `scripts/readme-rules.ts`; do not edit by hand.',
    '',
    ...rules.flatMap((r) => [
      `## ${r.id}`,
      '',
      `- **Category:** ${r.category}`,
      `- **Default severity:** ${r.defaultSeverity}`,
      `- **Fires when:** ${r.summary}`,
      `- **Why it matters:** ${r.explanation}`,
      `- **Fix:** ${r.fix}`,
      ...Object.entries(r.constructFixes ?? {}).map(([fqn, fix]) => `- **Fix on \`${fqn}\`:** ${fix}`),
      `- **Judges resource types:** ${r.judges.resourceTypes.map((t) => `\`${t}\``).join(', ')}`,
      ...(r.judges.kubernetesKinds.length > 0 ? [`- **Judges Kubernetes kinds:** ${r.judges.kubernetesKinds.map((k) => `\`${k}\``).join(', ')}`] : []),
      '',
    ]),
  ].join('\n');
  const addons = [
    '| Add-on | Helm chart | EKS add-on | Asks IMDS for | What replaces it | Installed right by |',
    '| --- | --- | --- | --- | --- | --- |',
    ...KNOWN_ADDONS.map((x) => `| ${cell(x.name)} | ${codes(x.charts)} | ${codes(x.addonNames)} | ${cell(x.asks)} | ${cell(x.gives)} | ${cell(installedRightBy(x) ?? '—')} |`),
  ].join('\n');
  const installed = [
    '| `HardenedCluster` method (construct) | Installed as (default version) | Asked IMDS for | What it is given instead | Identity | Policy |',
    '| --- | --- | --- | --- | --- | --- |',
    ...KNOWN_ADDONS.flatMap((x) => (x.installed ? [x.installed] : []).map((i) => {
      const version = DEFAULT_VERSIONS[i.construct] ?? 'the EKS default for the cluster\'s Kubernetes version';
      return `| \`${i.method}\` (\`${i.construct}\`) | ${cell(i.installedAs)} (${cell(version)}) | ${cell(x.asks)} | ${cell(i.sets)} | ${cell(i.identity)} | ${cell(i.policy)} |`;
    })),
  ].join('\n');
  const replace = (text: string, start: string, end: string, body: string) => {
    const a = text.indexOf(start);
    const b = text.indexOf(end);
    if (a < 0 || b < a) {
      throw new Error(`README.md has no generated-table markers (${start} ... ${end})`);
    }
    return `${text.slice(0, a + start.length)}\n${body}\n${text.slice(b)}`;
  };
  return {
    'README.md': replace(replace(replace(readme, START, END, table), ADDONS_START, ADDONS_END, addons), INSTALLED_START, INSTALLED_END, installed),
    'docs/rules.md': `${details}\n`,
  };
}

if (require.main === module) {
  const files = renderRuleDocs(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8'));
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(ROOT, file)), { recursive: true });
    fs.writeFileSync(path.join(ROOT, file), content);
  }
}
