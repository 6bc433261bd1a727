/**
 * Regenerates the rule table in README.md and docs/rules.md from the rule catalogue, so the
 * rules are written once (src/checks/rules.ts). Run by `npx projen readme:rules` before compile.
 * With `--check`, exits 1 instead of writing when a file is out of date.
 */
import * as fs from 'fs';
import * as path from 'path';
import { RuleCatalogue } from '../src/checks/rules';

const START = '<!-- rules:start (generated from src/checks/rules.ts by scripts/readme-rules.ts; do not edit) -->';
const END = '<!-- rules:end -->';
const root = path.join(__dirname, '..');
const check = process.argv.includes('--check');

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const rules = RuleCatalogue.all();

const table = [
  '| Rule | Default severity | Fires when | Fix |',
  '| --- | --- | --- | --- |',
  ...rules.map((r) => `| \`${r.id}\` | ${r.defaultSeverity} | ${cell(r.summary)} | ${cell(r.fix)} |`),
].join('\n');

const details = [
  '# IMDS checker rules',
  '',
  'Generated from `src/checks/rules.ts` by `scripts/readme-rules.ts`; do not edit by hand.',
  '',
  ...rules.flatMap((r) => [
    `## ${r.id}`,
    '',
    `- **Default severity:** ${r.defaultSeverity}`,
    `- **Fires when:** ${r.summary}`,
    `- **Why it matters:** ${r.explanation}`,
    `- **Fix:** ${r.fix}`,
    '',
  ]),
].join('\n');

let stale = false;
function write(file: string, content: string) {
  const full = path.join(root, file);
  const current = fs.existsSync(full) ? fs.readFileSync(full, 'utf-8') : '';
  if (current === content) return;
  stale = true;
  if (check) {
    process.stderr.write(`${file} is out of date with the rule catalogue: run 'npx projen readme:rules'\n`);
  } else {
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
}

const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf-8');
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a < 0 || b < a) {
  throw new Error(`README.md has no rule table markers (${START} ... ${END})`);
}
write('README.md', `${readme.slice(0, a + START.length)}\n${table}\n${readme.slice(b)}`);
write('docs/rules.md', `${details}\n`);
process.exitCode = check && stale ? 1 : 0;
