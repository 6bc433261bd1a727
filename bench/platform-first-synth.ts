// Benchmark (not a test): what the checker adds to the first and only synth of a fresh process, as
// `cdk synth` runs an app: nothing is compiled or warm yet (bench:platform measures the steady
// state of a process that synthesizes many apps, as a test suite does).
//
//   npx projen bench:first-synth          (also part of `npm run bench`)
//   BENCH_FIRST_SYNTH_ROUNDS=21 npx projen bench:first-synth
//
// Each round starts one process per case (nothing / the checker / cdk-nag), in a rotating order;
// each builds the reference platform app and synthesizes it once. A case's overhead is the median
// of its per-round differences from the plain app, with a seeded 95% interval, as in
// bench:platform. Reported: CPU of `app.synth()`, and of building the app plus synth (module loading
// is left out: here it includes compiling this repository's TypeScript, which an app does not).
// Schema validation is off: with it on, a cold synth takes about 4 s here and varies by ±20%
// between processes, more than either tool adds (BENCH_FIRST_SYNTH_VALIDATION=1 measures it).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildPlatform, synthQuietly } from './platform-aspect-overhead';
import { median, medianInterval } from './stats';

type Case = 'none' | 'checker' | 'cdk-nag';
const CASES: readonly Case[] = ['none', 'checker', 'cdk-nag'];
const ROUNDS = Number(process.env.BENCH_FIRST_SYNTH_ROUNDS ?? 15);
const CHILD = 'BENCH_FIRST_SYNTH_CHILD';
const RESULTS = path.join(__dirname, 'platform-first-synth.bench.json');

interface Sample {
  readonly synthMs: number;
  /** Building the app and synthesizing it. */
  readonly appMs: number;
}

const cpu = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/** In a child: build the app, synthesize it once, print the CPU times as JSON. */
function child(kind: Case): void {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-hardened-eks-first-synth-'));
  try {
    const built = process.cpuUsage();
    const app = buildPlatform(kind, outdir);
    const start = process.cpuUsage();
    synthQuietly(app);
    const synthMs = cpu(process.cpuUsage(start));
    process.stdout.write(`${JSON.stringify({ synthMs, appMs: cpu(process.cpuUsage(built)) })}\n`);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function runChild(kind: Case, validation: boolean): Sample {
  const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename], {
    env: {
      ...process.env,
      [CHILD]: kind,
      CDK_VALIDATION: validation ? 'true' : 'false',
      TS_NODE_PROJECT: path.join(__dirname, '..', 'test', 'tsconfig.json'),
    },
    encoding: 'utf8',
  });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !line.startsWith('{')) {
    throw new Error(`the ${kind} child failed (exit ${result.status}): ${result.stderr.slice(0, 500)}`);
  }
  return JSON.parse(line) as Sample;
}

interface Row {
  readonly validation: boolean;
  readonly median: Record<Case, Sample>;
  readonly added: Record<Case, Sample>;
  readonly interval: Record<Case, { synthMs: [number, number]; appMs: [number, number] }>;
}

function measure(validation: boolean): Row {
  const samples: Record<Case, Sample[]> = { 'none': [], 'checker': [], 'cdk-nag': [] };
  for (let r = 0; r < ROUNDS; r++) {
    CASES.map((_, i) => CASES[(i + r) % CASES.length]).forEach((c) => samples[c].push(runChild(c, validation)));
  }
  const of = (c: Case, k: keyof Sample) => samples[c].map((s) => s[k]);
  const diffs = (c: Case, k: keyof Sample) => of(c, k).map((x, i) => x - samples.none[i][k]);
  const per = <T>(f: (c: Case) => T) => Object.fromEntries(CASES.map((c) => [c, f(c)])) as Record<Case, T>;
  return {
    validation,
    median: per((c) => ({ synthMs: median(of(c, 'synthMs')), appMs: median(of(c, 'appMs')) })),
    added: per((c) => ({ synthMs: median(diffs(c, 'synthMs')), appMs: median(diffs(c, 'appMs')) })),
    interval: per((c) => ({ synthMs: medianInterval(diffs(c, 'synthMs')), appMs: medianInterval(diffs(c, 'appMs')) })),
  };
}

function main(): void {
  const pct = (x: number, of: number) => `${x >= 0 ? '+' : ''}${((x / of) * 100).toFixed(1)}%`;
  const rows = process.env.BENCH_FIRST_SYNTH_VALIDATION === '1' ? [measure(false), measure(true)] : [measure(false)];
  console.log(`Reference platform app, first synth of a fresh process, ${ROUNDS} rounds (${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}); ` +
    'median CPU ms, overhead = median of the paired per-round differences (95% interval):');
  console.log('| validation | measured | without | with ImdsHopLimitChecker | overhead | with cdk-nag AwsSolutions | overhead |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    for (const k of ['synthMs', 'appMs'] as const) {
      const base = r.median.none[k];
      const cell = (c: Case) => `${pct(r.added[c][k], base)} (${pct(r.interval[c][k][0], base)} … ${pct(r.interval[c][k][1], base)})`;
      console.log(`| ${r.validation ? 'on' : 'off'} | ${k === 'synthMs' ? '`app.synth()`' : 'build + synth'} | ${base.toFixed(0)} | ` +
        `${r.median.checker[k].toFixed(0)} | **${cell('checker')}** | ${r.median['cdk-nag'][k].toFixed(0)} | ${cell('cdk-nag')} |`);
    }
  }
  fs.writeFileSync(RESULTS, JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, node: process.version, rows }, undefined, 2));
}

const childCase = process.env[CHILD] as Case | undefined;
if (childCase) {
  child(childCase);
} else if (require.main === module) {
  main();
}
