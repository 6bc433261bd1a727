import * as fs from 'fs';
import * as path from 'path';
import { renderRuleDocs, ROOT } from '../scripts/readme-rules';
import { RuleCatalogue } from '../src';

describe('rule documentation generated from the catalogue', () => {
  const expected = renderRuleDocs(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8'));

  test.each(Object.keys(expected))('%s is up to date (run npx projen readme:rules)', (file) => {
    expect(fs.readFileSync(path.join(ROOT, file), 'utf-8')).toEqual(expected[file as keyof typeof expected]);
  });

  test('the README table has one row per rule of the catalogue', () => {
    const readme = expected['README.md'];
    const table = readme.slice(readme.indexOf('<!-- rules:start'), readme.indexOf('<!-- rules:end -->'));
    const rows = table.split('\n').filter((l) => /^\| `\w+` \|/.test(l));
    expect(rows.map((r) => r.split('`')[1])).toEqual(RuleCatalogue.all().map((r) => r.id));
  });
});
