// The README's complete examples (those that make their own App) run as a user would run them:
// with the feature flags `cdk init` writes and the context a first synth caches for their explicit
// environment. Each must synthesize with no error annotation and no open checker error. (Every
// example, complete or not, is also compiled by jsii-rosetta in strict mode during the build.)
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import * as ts from 'typescript';
import { ImdsAudit, Severity } from '../src';
import { HAS_NATIVE_ACKNOWLEDGEMENTS } from './support/compat';
import { CDK_INIT_CONTEXT, EXPLICIT_ENV_LOOKUPS } from './support/user-apps';

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const EXAMPLES = [...README.matchAll(/^```ts\n([\s\S]*?)^```/gm)]
  .map((m) => ({ line: README.slice(0, m.index).split('\n').length, code: m[1] }))
  .filter((e) => e.code.includes('new App(') && !/^declare /m.test(e.code))
  // `Validations` is aws-cdk-lib 2.25x+; on the floor release the plugin is registered differently (README, Install).
  .filter((e) => HAS_NATIVE_ACKNOWLEDGEMENTS || !e.code.includes('Validations'));

/** Runs one example (TypeScript, its imports of `cdk-hardened-eks` pointed at the sources) and returns its App. */
function run(code: string): App {
  const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const previous = process.env.CDK_CONTEXT_JSON;
  process.env.CDK_CONTEXT_JSON = JSON.stringify({ ...CDK_INIT_CONTEXT, ...EXPLICIT_ENV_LOOKUPS });
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = (id: string) => require(id === 'cdk-hardened-eks' ? '../src' : id);
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    return new Function('require', 'exports', 'module', `${js}\nreturn app;`)(load, {}, { exports: {} });
  } finally {
    if (previous === undefined) {
      delete process.env.CDK_CONTEXT_JSON;
    } else {
      process.env.CDK_CONTEXT_JSON = previous;
    }
  }
}

test('the README has complete examples to run', () => {
  expect(EXAMPLES.length).toBeGreaterThanOrEqual(5);
});

describe.each(EXAMPLES)('the README example at line $line', ({ code }) => {
  test('synthesizes under the cdk init flags with no error annotation and no open checker error', () => {
    const app = run(code);
    const assembly = app.synth();
    const errors = assembly.stacks.flatMap((s) => s.messages).filter((m) => m.level === 'error');
    expect(errors.map((m) => `${m.id}: ${m.entry.data}`)).toEqual([]);
    const open = ImdsAudit.ofStage(app, { includeAcknowledged: false }).filter((f) => f.severity === Severity.ERROR);
    // The migration example's legacy stack is at hop limit 2 on purpose: its checker reports it as a warning.
    const warnedOnly = open.filter((f) => !(code.includes('severity: Severity.WARNING') && f.stack === 'LegacyNodes'));
    expect(warnedOnly).toEqual([]);
    if (code.includes('severity: Severity.WARNING')) {
      const warnings = assembly.getStackByName('LegacyNodes').messages.filter((m) => m.level === 'warning' && /HopLimitAboveOne/.test(String(m.entry.data)));
      expect(warnings).toHaveLength(1);
    }
  });
});
