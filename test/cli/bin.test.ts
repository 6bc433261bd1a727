import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'src', 'cli', 'main.ts');

/** Runs the CLI as its own process, as `npx cdk-hardened-eks` would (through ts-node, without compiling). */
function bin(...args: string[]) {
  return spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', MAIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'test', 'tsconfig.json') },
  });
}

describe('the cdk-hardened-eks executable', () => {
  test('starts with a node shebang', () => {
    expect(fs.readFileSync(MAIN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  test('sets the process exit code and writes the whole report on stdout', () => {
    const run = bin('audit', 'test/fixtures/assemblies/nested-stage', '--format', 'json');
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).summary.errors).toBe(3);
  });

  test('exits 2 with one line on stderr and no stack trace for unreadable input', () => {
    const run = bin('audit', 'test/fixtures/does-not-exist.yaml');
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('cdk-hardened-eks: no such file: test/fixtures/does-not-exist.yaml\n');
  });
});
