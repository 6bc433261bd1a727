// Benchmark (not a test): how much the ImdsHopLimitChecker aspect adds to `app.synth()`, and how
// synth time grows from N to 10N launch templates and Karpenter node classes.
//
//   npx projen bench:synthetic                          (`npm run bench` runs it after the platform benchmarks)
//   BENCH_N=200 BENCH_RUNS=3 npx projen bench:synthetic   (quick look)
//
// Each case (N, validation on, the reference row, the phase table) runs in a process of its own,
// the 10N case in several, a few pairs to each (see inChild and tenN). Each run builds a fresh app, then times `app.synth()` alone (construction is reported apart),
// in pairs with / without the aspect (alternating which goes first), and the overhead is the median
// of the per-pair differences with a 95% bootstrap interval, so that drift (JIT, heap growth,
// thermal, other work on the machine) cancels: single synths here range over nearly 2x. After
// BENCH_WARMUP_PAIRS pairs of the same size that are not recorded (the engine's functions are
// compiled by V8 over the first synths that run them: measured before that, a pair's figure is
// the JIT warming up). The heap is not collected before a synth: a forced full collection made the
// synth after it about 1.75x slower (699 against 399 ms CPU at N, 2026-12-02), the same effect the
// platform benchmark documents. The figures are CPU time of the process (user + system, all
// threads) during `app.synth()`, which a busy shared machine disturbs far less than wall time;
// wall time is recorded too. A reference row pairs the app with an aspect that does nothing against
// the app without one: what aws-cdk-lib's invocation of any aspect costs here, which the checker's
// figure includes (not judged against the target). Results: a table on stdout, JSON in
// bench/aspect-overhead.bench.json.
import { execSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PerformanceObserver, performance } from 'perf_hooks';
import { Annotations, App, AspectPriority, Aspects, Aws, CfnCondition, CfnParameter, Fn, IAspect, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { median, medianInterval } from './stats';
import { ImdsHopLimitChecker } from '../src';

const N = Number(process.env.BENCH_N ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 41);
const RUNS_10N = Number(process.env.BENCH_RUNS_10N ?? 12);
/**
 * Measured 10N pairs per process. Each 10N synth leaves about 60 MB reachable (aws-cdk-lib's token
 * map), and within one process the tenth 10N pair took 35 s per synth against 4 s for the first:
 * so the 10N pairs run a few to a process (see tenN).
 */
const PAIRS_PER_PROCESS_10N = Number(process.env.BENCH_PAIRS_PER_PROCESS_10N ?? 2);
/** Unrecorded 10N pairs in each 10N process, after its warm-up at N and before its measured pairs. */
const WARMUP_PAIRS_10N = Number(process.env.BENCH_WARMUP_PAIRS_10N ?? 1);
/** Pairs at N with template validation on. */
const RUNS_VALIDATION = Number(process.env.BENCH_RUNS_VALIDATION ?? 21);
/** Pairs at N with a no-op aspect in place of the checker (the reference row: what aws-cdk-lib's aspect invocation itself costs). */
const RUNS_NOOP = Number(process.env.BENCH_RUNS_NOOP ?? 21);
/** Pairs of each size run before the measured ones, not recorded. */
const WARMUP_PAIRS = Number(process.env.BENCH_WARMUP_PAIRS ?? 10);
/** Instrumented synths for the phase breakdown (median per phase). */
const PHASE_RUNS = 3;
const LT_STACKS = 4;
/** Karpenter EC2NodeClass manifests in the cluster, per launch template. */
const MANIFESTS_PER_LT = 0.25;
const RESULTS = path.join(__dirname, 'aspect-overhead.bench.json');


export interface AppShape {
  readonly launchTemplates: number;
  readonly manifests: number;
}

export function shapeFor(n: number): AppShape {
  return { launchTemplates: n, manifests: Math.round(n * MANIFESTS_PER_LT) };
}

/**
 * The generated app: `launchTemplates` launch templates over LT_STACKS stacks (a mix of hardened,
 * bad, unpinned, L2 with escape-hatch overrides, Fn::If on a parameter, and node groups that
 * reference them), and one aws-eks-v2 cluster carrying `manifests` EC2NodeClass manifests.
 */
export function buildApp(shape: AppShape, withAspect: boolean, outdir: string): App {
  const app = new App({
    outdir,
    // Stacks here are far above CloudFormation's 500 resources; synth-time growth is the point.
    context: { '@aws-cdk/core:stackResourceLimit': 0 },
  });
  if (withAspect) {
    Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
  }
  const perStack = Math.ceil(shape.launchTemplates / LT_STACKS);
  for (let s = 0; s < LT_STACKS; s++) {
    const stack = new Stack(app, `LaunchTemplates${s}`);
    const hop = new CfnParameter(stack, 'HopLimit', { type: 'Number', allowedValues: ['1', '2'], default: '1' });
    const legacy = new CfnCondition(stack, 'Legacy', { expression: Fn.conditionEquals(Aws.REGION, 'eu-west-1') });
    for (let i = 0; i < perStack && s * perStack + i < shape.launchTemplates; i++) {
      const cfn = launchTemplate(stack, i, hop, legacy);
      if (i % 25 === 0) {
        new eks.CfnNodegroup(stack, `Ng${i}`, {
          clusterName: 'workers',
          nodeRole: 'arn:aws:iam::111111111111:role/node',
          subnets: ['subnet-0123456789abcdef0'],
          launchTemplate: { id: cfn.ref, version: cfn.attrLatestVersionNumber },
        });
      }
    }
  }
  addCluster(app, shape.manifests);
  return app;
}

function launchTemplate(stack: Stack, i: number, hop: CfnParameter, legacy: CfnCondition): ec2.CfnLaunchTemplate {
  const id = `Lt${i}`;
  const l1 = (metadataOptions?: ec2.CfnLaunchTemplate.MetadataOptionsProperty) =>
    new ec2.CfnLaunchTemplate(stack, id, { launchTemplateData: { imageId: 'ami-12345678', metadataOptions } });
  switch (i % 10) {
    case 4: return l1({ httpTokens: 'required', httpPutResponseHopLimit: 2 });
    case 5: return l1({ httpTokens: 'optional', httpPutResponseHopLimit: 1 });
    case 6: return l1(undefined);
    case 7: {
      const lt = new ec2.LaunchTemplate(stack, id, { requireImdsv2: true, httpPutResponseHopLimit: 1 });
      return lt.node.defaultChild as ec2.CfnLaunchTemplate;
    }
    case 8: {
      const lt = new ec2.LaunchTemplate(stack, id, { requireImdsv2: true, httpPutResponseHopLimit: 1 });
      const cfn = lt.node.defaultChild as ec2.CfnLaunchTemplate;
      cfn.addPropertyOverride('LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit', 3);
      return cfn;
    }
    case 9: return l1({
      httpTokens: 'required',
      httpPutResponseHopLimit: Token.asNumber(Fn.conditionIf(legacy.logicalId, hop.valueAsNumber, 1)),
    });
    default: return l1({ httpTokens: 'required', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled' });
  }
}

function addCluster(app: App, manifests: number): void {
  const stack = new Stack(app, 'Cluster');
  const cluster = new eks.Cluster(stack, 'Cluster', {
    version: eks.KubernetesVersion.V1_34,
    // @aws-cdk/lambda-layer-kubectl-v3x is not installed here; any layer ARN will do for synth.
    kubectlProviderOptions: {
      kubectlLayer: lambda.LayerVersion.fromLayerVersionArn(stack, 'Kubectl', 'arn:aws:lambda:us-east-1:111111111111:layer:kubectl:1'),
    },
  });
  const nodeRole = new iam.Role(stack, 'NodeRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  for (let i = 0; i < manifests; i++) {
    cluster.addManifest(`NodeClass${i}`, nodeClass(i, nodeRole));
  }
}

function nodeClass(i: number, nodeRole: iam.Role): Record<string, unknown> {
  const metadataOptions = (() => {
    switch (i % 5) {
      case 0: return { httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 1, httpTokens: 'required' };
      case 1: return { httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 2, httpTokens: 'required' };
      case 2: return undefined; // v1: the CRD defaults apply
      case 3: return { httpEndpoint: 'enabled', httpPutResponseHopLimit: 1, httpTokens: 'optional' };
      default: return { httpEndpoint: 'enabled', httpPutResponseHopLimit: 1, httpTokens: 'required' };
    }
  })();
  return {
    apiVersion: 'karpenter.k8s.aws/v1',
    kind: 'EC2NodeClass',
    metadata: { name: `nodes-${i}` },
    spec: {
      amiSelectorTerms: [{ alias: 'al2023@latest' }],
      // A token: the manifest becomes an Fn::Join, as in real apps.
      role: i % 2 === 0 ? nodeRole.roleName : 'KarpenterNodeRole',
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'workers' } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'workers' } }],
      ...(metadataOptions ? { metadataOptions } : {}),
    },
  };
}

interface Run {
  readonly withAspect: boolean;
  readonly buildMs: number;
  /** CPU time (user + system, all threads) of `app.synth()`. */
  readonly synthCpuMs: number;
  /** Wall-clock time of `app.synth()`. */
  readonly synthWallMs: number;
  /** When `app.synth()` began and ended (`performance.now()`), for the phase tables' pauses. */
  readonly synthWindow: [number, number];
  readonly findings: number;
  readonly resources: number;
}

/** Environment of a case: CDK_VALIDATION, and the what-ifs. */
export interface CaseEnv {
  readonly validation: boolean;
}

function withEnv<T>(env: CaseEnv, f: () => T): T {
  const saved = { CDK_VALIDATION: process.env.CDK_VALIDATION };
  process.env.CDK_VALIDATION = env.validation ? 'true' : 'false';
  try {
    return f();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function cpuMs(since?: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

/**
 * What the "with" side of a pair adds: the checker, or an aspect that does nothing (registered the
 * same way), which measures what aws-cdk-lib's invocation of any aspect on every construct costs.
 */
type Side = 'checker' | 'noop';

/** Visits every construct and does nothing. */
class NoopAspect implements IAspect {
  public visit(): void {}
}

function runOnce(shape: AppShape, withAspect: boolean, env: CaseEnv, side: Side = 'checker'): Run {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-hardened-eks-bench-'));
  try {
    return withEnv(env, () => {
      const t0 = process.hrtime.bigint();
      const app = buildApp(shape, withAspect && side === 'checker', outdir);
      if (withAspect && side === 'noop') {
        Aspects.of(app).add(new NoopAspect(), { priority: AspectPriority.READONLY });
      }
      const t1 = process.hrtime.bigint();
      const start = performance.now();
      const cpu0 = process.cpuUsage();
      const assembly = app.synth();
      const synthCpuMs = cpuMs(cpu0);
      const t2 = process.hrtime.bigint();
      const synthWindow: [number, number] = [start, performance.now()];
      let findings = 0;
      let resources = 0;
      for (const stack of assembly.stacks) {
        findings += stack.messages.filter((m) => /^\[\w+\] /.test(String(m.entry.data))).length;
        resources += Object.keys(stack.template.Resources ?? {}).length;
      }
      return { withAspect, buildMs: ms(t1 - t0), synthCpuMs, synthWallMs: ms(t2 - t1), synthWindow, findings, resources };
    });
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function ms(ns: bigint): number {
  return Number(ns) / 1e6;
}

interface Medians {
  readonly withMs: number;
  readonly withoutMs: number;
  /** The median of the paired differences (with - without, in the same pair), over the median without. */
  readonly overhead: number;
  /** A 95% interval for `overhead` (see medianInterval). */
  readonly interval: [number, number];
}

interface Case {
  readonly name: string;
  readonly n: number;
  readonly env: CaseEnv;
  readonly whatIf: boolean;
  readonly shape: AppShape;
  readonly runs: Run[];
  /** Medians of the synth CPU time: the figures overhead and growth are computed from. */
  readonly cpu: Medians;
  /** Medians of the synth wall time, for reference. */
  readonly wall: Medians;
  readonly findings: number;
  readonly resources: number;
}

/**
 * Medians of each side, and the overhead as the median of the per-pair differences: paired, the
 * machine's drift over the run cancels (the platform benchmark does the same). `runs` holds each
 * pair's two runs next to each other.
 */
function medians(runs: Run[], pick: (r: Run) => number): Medians {
  const withs = runs.filter((r) => r.withAspect).map(pick);
  const withouts = runs.filter((r) => !r.withAspect).map(pick);
  const withoutMs = median(withouts);
  const diffs = withs.map((w, i) => w - withouts[i]);
  const [low, high] = medianInterval(diffs);
  return { withMs: median(withs), withoutMs, overhead: median(diffs) / withoutMs, interval: [low / withoutMs, high / withoutMs] };
}

/**
 * Runs `pairs` with/without pairs, alternating which goes first (`orderOffset` odd: the first pair
 * starts without the aspect). Before them, WARMUP_PAIRS unrecorded pairs at `warmupN`, then
 * `warmupPairs` at `n` when `warmupN` is another size.
 */
function measure(spec: CaseSpec): Case {
  const { name, n, env, pairs } = spec;
  const side = spec.side ?? 'checker';
  const shape = shapeFor(n);
  const runs: Run[] = [];
  const warmupN = spec.warmupN ?? n;
  for (let p = 0; p < WARMUP_PAIRS; p++) {
    runOnce(shapeFor(warmupN), true, env, side);
    runOnce(shapeFor(warmupN), false, env, side);
  }
  for (let p = 0; warmupN !== n && p < (spec.warmupPairs ?? 0); p++) {
    runOnce(shape, p % 2 === 0, env, side);
    runOnce(shape, p % 2 !== 0, env, side);
  }
  for (let p = 0; p < pairs; p++) {
    const order = (p + (spec.orderOffset ?? 0)) % 2 === 0 ? [true, false] : [false, true];
    for (const withAspect of order) {
      const r = runOnce(shape, withAspect, env, side);
      runs.push(r);
      log(`  ${name}: pair ${p + 1 + (spec.firstPair ?? 0)}/${spec.ofPairs ?? pairs} ${withAspect ? 'with   ' : 'without'} synth ${r.synthCpuMs.toFixed(0)} ms CPU, `
        + `${r.synthWallMs.toFixed(0)} ms wall (build ${r.buildMs.toFixed(0)} ms, ${r.findings} findings)`);
    }
  }
  const findings = runs.find((r) => r.withAspect)?.findings ?? 0;
  if (side === 'noop' ? runs.some((r) => r.findings !== 0) : findings === 0 || runs.some((r) => !r.withAspect && r.findings !== 0)) {
    throw new Error(`${name}: the aspect did not run as expected (findings with: ${findings})`);
  }
  return caseOf(name, n, env, side, runs);
}

function caseOf(name: string, n: number, env: CaseEnv, side: Side, runs: Run[]): Case {
  return {
    name,
    n,
    env,
    whatIf: side !== 'checker',
    shape: shapeFor(n),
    runs,
    cpu: medians(runs, (r) => r.synthCpuMs),
    wall: medians(runs, (r) => r.synthWallMs),
    findings: runs.find((r) => r.withAspect)?.findings ?? 0,
    resources: runs[0].resources,
  };
}

/**
 * The 10N case: its pairs run PAIRS_PER_PROCESS_10N to a process, each process warmed up at N
 * (WARMUP_PAIRS pairs) and on WARMUP_PAIRS_10N unrecorded 10N pairs first, so that every
 * measured pair runs on about the same heap. Which side goes first in a process's first pair
 * alternates across the processes. One case of all the pairs.
 */
function tenN(name: string, env: CaseEnv): Case {
  const runs: Run[] = [];
  for (let first = 0, child = 0; first < RUNS_10N; first += PAIRS_PER_PROCESS_10N, child++) {
    // The first measured synth of a process runs slower (on the heap its warm-up grew; 2026-12-04,
    // 16 pairs: 3.7-5.8 s against 3.1-3.8 s): which side it is alternates from process to process.
    const part = inChild<Case>({
      name,
      n: 10 * N,
      env,
      pairs: Math.min(PAIRS_PER_PROCESS_10N, RUNS_10N - first),
      warmupN: N,
      warmupPairs: WARMUP_PAIRS_10N,
      firstPair: first,
      ofPairs: RUNS_10N,
      orderOffset: child,
    });
    runs.push(...part.runs);
  }
  return caseOf(name, 10 * N, env, 'checker', runs);
}

export type Phases = Record<string, Phase>;

export interface Phase {
  /** CPU time of the process (all threads, background collector and compiler threads included) during the phase's calls. */
  readonly cpuMs: number;
  /** Wall time of the phase's outermost calls. */
  readonly wallMs: number;
  /** Garbage collection pauses of the main thread that began during those calls (perf_hooks "gc" entries). */
  readonly gcMs: number;
  readonly calls: number;
}

/** The phase of the aspect's judging (the engine and the annotations), in the phase tables. */
const JUDGING = 'aspect, judging each written template (all below)';

/**
 * Where the aspect's time goes: wraps the functions it calls (module exports and prototype
 * methods, looked up at call time) and takes, over PHASE_RUNS synths with the aspect (median per
 * figure), each one's CPU time, its wall time, and the main thread's garbage collection pauses that
 * began inside it. The pauses tell the engine's own work from the collector's, whose cost per
 * pause grows with what the heap around it holds (at 10N a stack's freshly rendered template is
 * alive while it is judged, and every scavenge copies it). The wrapper's own clock reads cost
 * about a microsecond per call, which is most of the visits' figure. Run in a process of its own,
 * never during the measured cases.
 */
export async function phases(n: number, env: CaseEnv): Promise<Phases> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const aspect = require('../src/checks/aspect').ImdsHopLimitChecker.prototype;
  const targets: Array<[any, string, string]> = [
    [aspect, 'annotate', JUDGING],
    [require('../src/checks/engine/template'), 'auditTemplate', '  auditTemplate (engine)'],
    [Annotations.prototype, 'addError', '  Annotations.addError'],
    [Annotations.prototype, 'addWarningV2', '  Annotations.addWarningV2'],
    [Annotations.prototype, 'addInfo', '  Annotations.addInfo'],
    [aspect, 'visit', 'aspect visit (hooks each stack once)'],
  ];
  /* eslint-enable @typescript-eslint/no-require-imports */
  interface Timer { cpuMs: number; calls: number; depth: number; windows: Array<[number, number]> }
  const timers: Record<string, Timer> = {};
  const originals = targets.map(([obj, name]) => obj[name]);
  targets.forEach(([obj, name, label], i) => {
    const orig = originals[i];
    const timer: Timer = { cpuMs: 0, calls: 0, depth: 0, windows: [] };
    timers[label] = timer;
    obj[name] = function (this: unknown, ...args: unknown[]) {
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      timer.depth++;
      try {
        return orig.apply(this, args);
      } finally {
        timer.depth--;
        if (timer.depth === 0) {
          timer.windows.push([start, performance.now()]);
          timer.cpuMs += cpuMs(cpu0);
        }
        timer.calls++;
      }
    };
  });
  const pauses: Array<[number, number]> = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      pauses.push([e.startTime, e.duration]);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    const samples: Phases[] = [];
    for (let i = 0; i < PHASE_RUNS; i++) {
      for (const t of Object.values(timers)) {
        t.cpuMs = 0;
        t.calls = 0;
        t.windows = [];
      }
      // The entries of earlier synths are delivered before this one starts.
      await new Promise((resolve) => setTimeout(resolve, 50));
      pauses.length = 0;
      const r = runOnce(shapeFor(n), true, env);
      await new Promise((resolve) => setTimeout(resolve, 50));
      samples.push({
        ...Object.fromEntries(Object.entries(timers).map(([k, t]) => [k, {
          cpuMs: t.cpuMs,
          wallMs: t.windows.reduce((sum, [a, b]) => sum + (b - a), 0),
          gcMs: pausesWithin(pauses, t.windows),
          calls: t.calls,
        }])),
        'synth with the aspect (total)': { cpuMs: r.synthCpuMs, wallMs: r.synthWallMs, gcMs: pausesWithin(pauses, [r.synthWindow]), calls: 1 },
      });
    }
    const medianOf = (k: string, pick: (p: Phase) => number) => round(median(samples.map((x) => pick(x[k]))));
    return Object.fromEntries(Object.keys(samples[0]).map((k) => [k, {
      cpuMs: medianOf(k, (p) => p.cpuMs),
      wallMs: medianOf(k, (p) => p.wallMs),
      gcMs: medianOf(k, (p) => p.gcMs),
      calls: samples[0][k].calls,
    }]));
  } finally {
    observer.disconnect();
    targets.forEach(([obj, name], i) => (obj[name] = originals[i]));
  }
}

/**
 * The total of the pauses that began inside one of the windows (both sorted by start, windows
 * disjoint: one pass over each).
 */
function pausesWithin(pauses: Array<[number, number]>, windows: Array<[number, number]>): number {
  const sorted = [...pauses].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let w = 0;
  for (const [start, duration] of sorted) {
    while (w < windows.length && windows[w][1] < start) {
      w++;
    }
    if (w < windows.length && windows[w][0] <= start) {
      total += duration;
    }
  }
  return total;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function pct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function main(): void {
  const started = Date.now();
  const loadBefore = os.loadavg();
  log(`cdk-hardened-eks aspect overhead: N=${N}, ${RUNS} pairs at N, ${RUNS_10N} pairs at 10N (${PAIRS_PER_PROCESS_10N} per process after ${WARMUP_PAIRS_10N} unrecorded), ${RUNS_VALIDATION} pairs at N with validation on, ${WARMUP_PAIRS} warm-up pairs each, `
    + `node ${process.version}, ${os.cpus().length} CPUs, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  const defaults: CaseEnv = { validation: false };

  // Each case runs in a process of its own (see inChild).
  const atN = inChild<Case>({ name: 'N, validation off', n: N, env: defaults, pairs: RUNS });
  const at10N = tenN('10N, validation off', defaults);
  const cases: Case[] = [atN, at10N];
  if (process.env.BENCH_SKIP_VALIDATION !== '1') {
    cases.push(inChild<Case>({ name: 'N, validation on', n: N, env: { ...defaults, validation: true }, pairs: RUNS_VALIDATION }));
  }
  if (RUNS_NOOP > 0) {
    cases.push(inChild<Case>({ name: 'N, a no-op aspect (reference, not the checker)', n: N, env: defaults, pairs: RUNS_NOOP, side: 'noop' }));
  }
  for (const c of cases.filter((x) => !x.whatIf)) {
    const same = c.n === N ? atN : at10N;
    if (c.findings !== same.findings) throw new Error(`${c.name}: ${c.findings} findings, ${same.name} had ${same.findings}`);
  }

  const added = (c: Case) => c.cpu.overhead * c.cpu.withoutMs;
  const growth = {
    without: at10N.cpu.withoutMs / atN.cpu.withoutMs,
    with: at10N.cpu.withMs / atN.cpu.withMs,
    /** The time the aspect adds, at 10N over at N. */
    added: added(at10N) / added(atN),
  };
  const phaseRuns: Record<string, Phases> = { N: inChild<Phases>({ name: 'phases', n: N, env: defaults, pairs: 0, phases: true }) };
  if (process.env.BENCH_SKIP_PHASES_10N !== '1') {
    // As the 10N pairs run: warmed up at N, then on WARMUP_PAIRS_10N pairs at 10N (see tenN).
    phaseRuns['10N'] = inChild<Phases>({ name: 'phases at 10N', n: 10 * N, env: defaults, pairs: 0, phases: true, warmupN: N, warmupPairs: WARMUP_PAIRS_10N });
  }

  console.log('median synth time, CPU ms (wall ms in brackets)');
  console.log(table(
    ['case', 'launch templates', 'EC2NodeClasses', 'resources', 'findings', 'without aspect', 'with aspect', 'overhead (95% interval; wall)'],
    cases.map((c) => [
      c.name, String(c.shape.launchTemplates), String(c.shape.manifests), String(c.resources), String(c.findings),
      `${c.cpu.withoutMs.toFixed(0)} (${c.wall.withoutMs.toFixed(0)})`, `${c.cpu.withMs.toFixed(0)} (${c.wall.withMs.toFixed(0)})`,
      `**${pct(c.cpu.overhead)}** (${pct(c.cpu.interval[0])} … ${pct(c.cpu.interval[1])}; wall ${pct(c.wall.overhead)})`,
    ]),
  ));
  console.log();
  console.log(`growth N -> 10N, median synth CPU time (linear = 10x): without the aspect ${growth.without.toFixed(2)}x, `
    + `with ${growth.with.toFixed(2)}x, time the aspect adds ${growth.added.toFixed(2)}x`);
  console.log();
  for (const [name, timers] of Object.entries(phaseRuns)) {
    const baseline = (name === 'N' ? atN : at10N).cpu.withoutMs;
    console.log(`where the aspect's time goes at ${name} (median CPU ms of `
      + `${PHASE_RUNS} instrumented synths; % of the median synth without the aspect, ${baseline.toFixed(0)} ms; `
      + 'wall ms, and the main thread\'s garbage collection pauses that began in the phase):');
    console.log(table(['phase', 'CPU ms', 'calls', '% of baseline', 'wall ms', 'of which GC pauses'], Object.entries(timers).map(([k, v]) => [
      k, v.cpuMs.toFixed(1), String(v.calls), pct(v.cpuMs / baseline).replace('+', ''), v.wallMs.toFixed(1), v.gcMs.toFixed(1),
    ])));
    console.log();
  }
  if (phaseRuns['10N']) {
    const judging = (p: Phases) => p[JUDGING].cpuMs;
    const work = (p: Phases) => p[JUDGING].wallMs - p[JUDGING].gcMs;
    console.log(`growth N -> 10N of the aspect's own judging (phase tables): ${(judging(phaseRuns['10N']) / judging(phaseRuns.N)).toFixed(2)}x CPU `
      + `(${judging(phaseRuns.N).toFixed(1)} -> ${judging(phaseRuns['10N']).toFixed(1)} ms); wall without the GC pauses in it `
      + `${(work(phaseRuns['10N']) / work(phaseRuns.N)).toFixed(2)}x (${work(phaseRuns.N).toFixed(1)} -> ${work(phaseRuns['10N']).toFixed(1)} ms)`);
    console.log();
  }
  // Shown met when every case's interval lies at or under 10%, not met when one lies above it.
  const judged = cases.filter((c) => !c.whatIf);
  const met = judged.every((c) => c.cpu.interval[1] <= 0.10);
  const notMet = judged.some((c) => c.cpu.interval[0] > 0.10);
  console.log('target (on this synthetic worst case the aspect adds at most 10% to synth time, and grows linearly): overhead '
    + `${met ? 'met' : notMet ? 'NOT met' : 'not shown either way (an interval spans 10%)'}`);

  const results = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    loadAverage: { before: loadBefore.map(round2), after: os.loadavg().map(round2) },
    n: N,
    pairs: {
      n: RUNS,
      tenN: RUNS_10N,
      tenNPerProcess: PAIRS_PER_PROCESS_10N,
      tenNWarmup: WARMUP_PAIRS_10N,
      validation: RUNS_VALIDATION,
      noop: RUNS_NOOP,
      warmup: WARMUP_PAIRS,
    },
    launchTemplateStacks: LT_STACKS,
    manifestsPerLaunchTemplate: MANIFESTS_PER_LT,
    metric: 'CPU time (user + system) of app.synth(), ms: medians of each side; overhead = median of the per-pair differences over the median without, with a 95% bootstrap interval; wall time for reference',
    cases: cases.map((c) => ({
      name: c.name,
      n: c.n,
      env: c.env,
      whatIf: c.whatIf,
      shape: c.shape,
      resources: c.resources,
      findings: c.findings,
      cpu: roundMedians(c.cpu),
      wall: roundMedians(c.wall),
      runs: c.runs.map((r) => ({
        withAspect: r.withAspect,
        synthCpuMs: round(r.synthCpuMs),
        synthWallMs: round(r.synthWallMs),
        buildMs: round(r.buildMs),
      })),
    })),
    growth: Object.fromEntries(Object.entries(growth).map(([k, v]) => [k, round2(v)])),
    phases: phaseRuns,
    targetMet: met,
    totalSeconds: Math.round((Date.now() - started) / 1000),
  };
  fs.writeFileSync(RESULTS, `${JSON.stringify(results, undefined, 2)}\n`);
  log(`wrote ${path.relative(process.cwd(), RESULTS)} (${results.totalSeconds} s)`);
}

function roundMedians(m: Medians): Medians {
  const round3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    withMs: round(m.withMs), withoutMs: round(m.withoutMs), overhead: round3(m.overhead), interval: [round3(m.interval[0]), round3(m.interval[1])],
  };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function gitCommit(): string | undefined {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: __dirname, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return undefined;
  }
}

/** One case of the benchmark, as the parent hands it to the child process that runs it. */
interface CaseSpec {
  readonly name: string;
  readonly n: number;
  readonly env: CaseEnv;
  readonly pairs: number;
  readonly side?: Side;
  /** The size of the WARMUP_PAIRS warm-up pairs (default `n`). */
  readonly warmupN?: number;
  /** Unrecorded pairs at `n` after those, when `warmupN` is another size (default 0). */
  readonly warmupPairs?: number;
  /** The index of this process's first pair in the whole case, for the progress lines (default 0). */
  readonly firstPair?: number;
  /** Odd: this process's first pair runs without the aspect first (default 0). */
  readonly orderOffset?: number;
  /** The pairs of the whole case, for the progress lines (default `pairs`). */
  readonly ofPairs?: number;
  /** Instead of pairs, the instrumented synths of the phase table. */
  readonly phases?: boolean;
}

const CHILD = 'CDK_HARDENED_EKS_BENCH_CASE';

/**
 * Runs one case in a fresh process and returns what it measured. Every synth leaves about 6 MB
 * reachable in the process (aws-cdk-lib's token map keeps every token it ever registered), so in
 * one process each case ran on a heap grown by the ones before it: the 10N pairs after 101 pairs at
 * N took 35 s each instead of 4.5 (old-space collections over 1.2 GB left behind). A process per
 * case gives each the same start: module loading and the JIT warm-up happen in it, before its pairs.
 */
function inChild<T>(spec: CaseSpec): T {
  const result = spawnSync(process.execPath, [...process.execArgv, '-r', 'ts-node/register/transpile-only', __filename], {
    env: { ...process.env, [CHILD]: JSON.stringify(spec), TS_NODE_PROJECT: path.join(__dirname, '..', 'test', 'tsconfig.json') },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 256 * 1024 * 1024,
  });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !line.startsWith('{')) {
    throw new Error(`the benchmark case "${spec.name}" failed in its process (exit ${result.status}, signal ${result.signal})`);
  }
  return JSON.parse(line) as T;
}

/** In the child: warm up on a small app (modules loaded, the JIT settled; not recorded), then run the case. */
async function runChild(spec: CaseSpec): Promise<void> {
  const warm = shapeFor(Math.max(100, Math.round(N / 10)));
  runOnce(warm, true, spec.env);
  runOnce(warm, false, spec.env);
  if (spec.phases) {
    // As many synths before the instrumented ones as a case of that size has before its pairs.
    const warmupN = spec.warmupN ?? spec.n;
    for (let p = 0; p < WARMUP_PAIRS; p++) {
      runOnce(shapeFor(warmupN), true, spec.env);
      runOnce(shapeFor(warmupN), false, spec.env);
    }
    for (let p = 0; warmupN !== spec.n && p < (spec.warmupPairs ?? 0); p++) {
      runOnce(shapeFor(spec.n), true, spec.env);
      runOnce(shapeFor(spec.n), false, spec.env);
    }
  }
  const out = spec.phases ? await phases(spec.n, spec.env) : measure(spec);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (require.main === module) {
  const child = process.env[CHILD];
  if (child) {
    runChild(JSON.parse(child) as CaseSpec).catch((e) => {
      process.stderr.write(`${e?.stack ?? e}\n`);
      process.exit(1);
    });
  } else {
    main();
  }
}
