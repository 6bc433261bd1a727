// Benchmark (not a test): what the ImdsHopLimitChecker aspect adds to `app.synth()` of the
// reference platform app, next to what cdk-nag's AwsSolutions pack (a validation plugin in cdk-nag 3) adds to the same app in the
// same run.
//
//   npx projen bench:platform        (also the first part of `npm run bench`)
//   BENCH_ROUNDS=31 BENCH_WARMUP=20 npx projen bench:platform   (a quick look: not the steady state)
//
// The reference app: a HardenedCluster with Karpenter, one EC2NodeClass, one NodePool and one
// Pod Identity workload granted read/write on a bucket. Schema validation (aws-cdk-lib >= 2.262)
// is measured off, then on, each in a process of its own. For each, after BENCH_WARMUP rounds that are not measured, each round
// synthesizes a fresh app once per case (nothing / an empty aspect / the checker / cdk-nag), in an
// order balanced for place and for the case before (see ORDERS) so that drift and carry-over cancel, and the figure is the median CPU time (user + system) of
// `app.synth()` over the rounds. The heap is not collected before a synth: a forced full
// collection throws away compiled code, and the synth after it measured up to 3x slower and far
// noisier. Results: a table on stdout and JSON in bench/platform-aspect-overhead.bench.json.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, AspectPriority, Aspects, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AmiAlias, AmiFamily, AmiSelectorTerm, HardenedCluster, ImdsHopLimitChecker } from '../src';
import { median, medianInterval } from './stats';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 81);
/**
 * Rounds (every case once) before any is measured, for each validation setting. The engine runs
 * once per synth, so V8 keeps compiling and re-optimizing its functions for the first hundred or so synths
 * (`--trace-opt`: 25 more TurboFan compilations in synths 31-80 than without the checker, 3.4 ms of
 * compiler-thread CPU per synth); measured before that, a round's figure is the JIT warming up, not
 * the steady state this benchmark is about (`bench:first-synth` measures a cold process).
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 100);
const RESULTS = path.join(__dirname, 'platform-aspect-overhead.bench.json');

type Case = 'none' | 'empty-aspect' | 'checker' | 'cdk-nag';
const CASES: readonly Case[] = ['none', 'empty-aspect', 'checker', 'cdk-nag'];

/**
 * The order of the cases in each round, one row per round in turn: a Williams square, in which
 * every case takes every place once and follows every other case once within the rows. A synth
 * leaves garbage that the next one collects, and cdk-nag leaves the most: with the order only
 * rotated, the plain app followed cdk-nag in three rounds of four and the checker in none, which
 * shifted the paired differences. Across the rounds' boundaries each case has one more
 * predecessor per four rounds; the cases are placed so that neither the plain app nor the checker
 * gets cdk-nag there (the plain app follows the checker, the checker the empty aspect).
 */
export const ORDERS: readonly (readonly Case[])[] = williamsSquare(['none', 'checker', 'empty-aspect', 'cdk-nag']);

/** Rows `i + [0, 1, n-1, 2, n-2, …] mod n` of `items` (n even): balanced for the item before. */
export function williamsSquare<T>(items: readonly T[]): T[][] {
  const n = items.length;
  const first = Array.from({ length: n }, (_, j) => (j % 2 === 1 ? (j + 1) / 2 : (n - j / 2) % n));
  return items.map((_, i) => first.map((f) => items[(f + i) % n]));
}

/** The reference platform app, with the aspect of `kind` registered as each tool documents it. */
export function buildPlatform(kind: Case, outdir: string): App {
  const app = new App({ outdir });
  const stack = new Stack(app, 'HardenedPlatform');
  const cluster = new HardenedCluster(stack, 'Cluster', {
    defaultNodeClassOptions: { amiSelectorTerms: [AmiSelectorTerm.fromAlias(AmiAlias.of(AmiFamily.AL2023, 'v20251117'))] },
  });
  const bucket = new s3.Bucket(stack, 'Data', { enforceSSL: true, encryption: s3.BucketEncryption.S3_MANAGED });
  bucket.grantReadWrite(cluster.addPodIdentity('Workload', { serviceAccountNamespace: 'apps', serviceAccount: 'reader', createNamespace: true }));
  if (kind === 'checker') {
    Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
  } else if (kind === 'empty-aspect') {
    // What aws-cdk-lib charges any read-only aspect on this app: the part of the checker's cost
    // that is not its own work.
    Aspects.of(app).add({ visit: () => undefined }, { priority: AspectPriority.READONLY });
  } else if (kind === 'cdk-nag') {
    // cdk-nag 3 is a policy validation plugin.
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return app;
}

/** `app.synth()`; cdk-nag's findings on the app fail the validation and print a report, which is part of its cost. */
export function synthQuietly(app: App): void {
  const log = console.log;
  const error = console.error;
  console.log = console.error = () => undefined;
  try {
    app.synth();
  } catch (e) {
    if (!/Validation failed/i.test(String(e))) {
      throw e;
    }
  } finally {
    console.log = log;
    console.error = error;
  }
}

function cpuMs(f: () => void): number {
  const start = process.cpuUsage();
  f();
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

interface Row {
  readonly validation: boolean;
  readonly ms: Record<Case, number>;
  /** Per case, the median over rounds of (that case - none) in the same round. */
  readonly added: Record<Case, number>;
  /** Per case, a 95% interval for `added` (see medianInterval). */
  readonly interval: Record<Case, [number, number]>;
  readonly samples: Record<Case, number[]>;
}

type Samples = Record<Case, number[]>;

/**
 * One validation setting: BENCH_WARMUP rounds that are not measured, then BENCH_ROUNDS rounds,
 * each synthesizing every case once in a rotating order.
 */
function measure(validation: boolean, root: string): Row {
  process.env.CDK_VALIDATION = validation ? 'true' : 'false';
  const samples: Samples = { 'none': [], 'empty-aspect': [], 'checker': [], 'cdk-nag': [] };
  let run = 0;
  const once = (kind: Case, record: boolean) => {
    const app = buildPlatform(kind, path.join(root, `run-${run++}`));
    const ms = cpuMs(() => synthQuietly(app));
    if (record) {
      samples[kind].push(ms);
    }
  };
  for (let r = 0; r < WARMUP + ROUNDS; r++) {
    ORDERS[r % ORDERS.length].forEach((c) => once(c, r >= WARMUP));
    fs.rmSync(root, { recursive: true, force: true });
  }
  return row(validation, samples);
}

function row(validation: boolean, samples: Samples): Row {
  const ms = Object.fromEntries(CASES.map((c) => [c, median(samples[c])])) as Record<Case, number>;
  // Paired by round: drift in the machine's speed over the run cancels out.
  const diffs = (c: Case) => samples[c].map((x, i) => x - samples.none[i]);
  const added = Object.fromEntries(CASES.map((c) => [c, median(diffs(c))])) as Record<Case, number>;
  const interval = Object.fromEntries(CASES.map((c) => [c, medianInterval(diffs(c))])) as Record<Case, [number, number]>;
  return { validation, ms, added, interval, samples };
}

/** The checker's paired overhead (ms) over the first and the last third of the measured rounds: far apart, the process had not settled. */
function settling(r: Row): [number, number] {
  const diffs = r.samples.checker.map((x, i) => x - r.samples.none[i]);
  const third = Math.max(1, Math.floor(diffs.length / 3));
  return [median(diffs.slice(0, third)), median(diffs.slice(-third))];
}

const pct = (added: number, without: number) => `${added >= 0 ? '+' : ''}${((added / without) * 100).toFixed(1)}%`;

export function main(): Row[] {
  // Each validation setting in a process of its own (see measureInChild).
  const rows = [measureInChild(false), measureInChild(true)];
  console.log(`Reference platform app, median synth CPU ms over ${ROUNDS} rounds after ${WARMUP} warm-up rounds ` +
    `(${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}); ` +
    'overhead = median of the paired per-round differences, over the median without:');
  console.log('| validation | without | with ImdsHopLimitChecker | overhead (95% interval) | of which any aspect (empty aspect) | with cdk-nag AwsSolutions | overhead |');
  console.log('|---|---|---|---|---|---|---|');
  const range = (r: Row, c: Case) => `${pct(r.interval[c][0], r.ms.none)} … ${pct(r.interval[c][1], r.ms.none)}`;
  for (const r of rows) {
    console.log(`| ${r.validation ? 'on' : 'off'} | ${r.ms.none.toFixed(1)} | ${r.ms.checker.toFixed(1)} | **${pct(r.added.checker, r.ms.none)}** ` +
      `(${range(r, 'checker')}; ${r.added.checker.toFixed(2)} ms) | ${pct(r.added['empty-aspect'], r.ms.none)} (${range(r, 'empty-aspect')}) | ` +
      `${r.ms['cdk-nag'].toFixed(1)} | ${pct(r.added['cdk-nag'], r.ms.none)} (${range(r, 'cdk-nag')}) |`);
  }
  for (const r of rows) {
    const [first, last] = settling(r);
    console.log(`settling (validation ${r.validation ? 'on' : 'off'}): the checker added ${first.toFixed(2)} ms per synth ` +
      `over the first third of the rounds, ${last.toFixed(2)} ms over the last third`);
  }
  for (const r of rows) {
    const [low, high] = r.interval.checker.map((x) => x / r.ms.none);
    const verdict = high <= 0.05 ? 'met' : low > 0.05 ? 'NOT met' : 'not shown either way (the interval spans 5%)';
    console.log(`target (validation ${r.validation ? 'on' : 'off'}: the aspect adds at most 5%): ${verdict}`);
  }
  const results = { date: new Date().toISOString(), rounds: ROUNDS, warmup: WARMUP, node: process.version, rows };
  fs.writeFileSync(RESULTS, JSON.stringify(results, undefined, 2));
  return rows;
}

const CHILD = 'CDK_HARDENED_EKS_BENCH_PLATFORM_VALIDATION';

/**
 * One validation setting measured in a fresh process. Every synth leaves memory reachable in the
 * process (aws-cdk-lib's token map keeps every token it registered): in one process the second
 * setting ran on the heap the first left, and 300 warm-up rounds for both ran out of the default
 * 4 GB heap (2026-12-04).
 */
function measureInChild(validation: boolean): Row {
  const result = spawnSync(process.execPath, [...process.execArgv, '-r', 'ts-node/register/transpile-only', __filename], {
    env: { ...process.env, [CHILD]: validation ? 'on' : 'off', TS_NODE_PROJECT: path.join(__dirname, '..', 'test', 'tsconfig.json') },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !line.startsWith('{')) {
    throw new Error(`the platform benchmark with validation ${validation ? 'on' : 'off'} failed in its process (exit ${result.status}, signal ${result.signal})`);
  }
  return JSON.parse(line) as Row;
}

if (require.main === module) {
  const child = process.env[CHILD];
  if (child) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-hardened-eks-bench-platform-'));
    try {
      process.stdout.write(`${JSON.stringify(measure(child === 'on', root))}\n`);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  } else {
    main();
  }
}
