// Benchmark (not a test): the footprint of the hardened platform (examples/app.ts) against a plain
// aws-eks-v2 baseline carrying the same Karpenter objects.
//
//   npx ts-node --project test/tsconfig.json bench/platform-footprint.ts
//   BENCH_RUNS=3 npx ts-node --project test/tsconfig.json bench/platform-footprint.ts   (quick look)
//
// App A: exactly what examples/app.ts builds (HardenedCluster, addEc2NodeClass, two addNodePool),
//        without the ImdsHopLimitChecker aspect.
// App B: a plain `eks.Cluster` (v1.36, KubectlV36Layer, default node group without a launch
//        template), the Karpenter chart through `cluster.addHelmChart` (settings.clusterName only),
//        and the EC2NodeClass and two NodePools App A renders, parsed out of A's synthesized
//        template and applied through `cluster.addManifest`.
//
// Synth time: median of BENCH_RUNS (default 5) fresh in-process `app.synth()` runs per app, with
// aws-cdk-lib's CloudFormation schema validation on (the default) and off (`CDK_VALIDATION=false`,
// set before the app is created). Runs alternate A/B and on/off, in an order that changes every
// round, so that drift (JIT, heap growth, a busy shared machine) cancels; BENCH_WARMUP (default 3)
// untimed synths of each app and mode come first (module loading, schema loading, JIT). The heap is collected before
// each run. Wall time and process CPU time (user + system) of `app.synth()` are both recorded;
// construction of the app is timed apart and is not part of "synth time".
//
// Also timed, as a diagnostic outside the targets: App A2, App A with `karpenter.crds =
// KarpenterCrds.CRD_CHART` (the CRDs come from the karpenter-crd chart instead of three vendored
// manifests), to show what the vendored CRDs cost.
//
// The footprint (template bytes as written in the assembly, resources by type, Lambda functions,
// custom resources, nested stacks, Lambda layers) is read from each run's assembly and checked to
// be the same in every run. Results: tables on stdout, JSON in bench/platform-footprint.bench.json.
import { execSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { KubectlV36Layer } from '@aws-cdk/lambda-layer-kubectl-v36';
import { App, CfnResource, CloudFormationValidatePlugin, Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { IConstruct } from 'constructs';
import { AmiAlias, AmiFamily, AmiSelectorTerm, CapacityType, HardenedCluster, KarpenterCrds } from '../src';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** Untimed synths of each app and mode before the timed ones (module loading, schemas, JIT). */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const RESULTS = path.join(__dirname, 'platform-footprint.bench.json');
/** Targets from the issue. */
const MAX_SYNTH_RATIO = 1.3;
const KARPENTER_CHART = { repository: 'oci://public.ecr.aws/karpenter/karpenter', chart: 'karpenter', version: '1.14.1' };
const MANIFEST_TYPE = 'Custom::AWSCDK-EKS-KubernetesResource';

v8.setFlagsFromString('--expose-gc');
const gc: () => void = vm.runInNewContext('gc');

type AppId = 'A' | 'B' | 'A2';
type Mode = 'on' | 'off';
const APPS: AppId[] = ['A', 'B', 'A2'];
const APP_NAMES: Record<AppId, string> = { A: 'A: hardened platform', B: 'B: plain baseline', A2: 'A2: A with the CRD chart (diagnostic)' };
const MODE_NAMES: Record<Mode, string> = { on: 'validation on (default)', off: 'CDK_VALIDATION=false' };

// ---------------------------------------------------------------------------------------------
// App A

/**
 * App A: examples/app.ts without `Aspects.of(app).add(new ImdsHopLimitChecker(), ...)`.
 * With `crdChart` (App A2, diagnostic only): the CRDs from the karpenter-crd chart instead.
 */
function buildA(outdir: string, crdChart = false): { app: App; cluster: HardenedCluster } {
  const app = new App({ outdir });
  const stack = new Stack(app, 'HardenedPlatform');

  const cluster = new HardenedCluster(stack, 'Cluster', {
    defaultNodeClassOptions: { amiSelectorTerms: [AmiSelectorTerm.fromAlias(AmiAlias.of(AmiFamily.AL2023, 'v20251117'))] },
    ...(crdChart ? { karpenter: { crds: KarpenterCrds.CRD_CHART } } : {}),
  });
  cluster.addNodePool('spot', { nodeClass: cluster.defaultNodeClass!, capacityTypes: [CapacityType.SPOT], weight: 10 });
  return { app, cluster };
}

// ---------------------------------------------------------------------------------------------
// The Karpenter objects App A renders, carried over to App B

/** What a reference in A's manifests points at; App B substitutes its own equivalent. */
type RefTarget = { kind: 'privateSubnet'; index: number } | { kind: 'clusterSecurityGroup' } | { kind: 'nodeRole' };

interface RenderedObjects {
  /** EC2NodeClass and NodePool objects, with `@@REF<n>@@` markers where A had a reference. */
  readonly objects: Array<Record<string, any>>;
  /** What each marker stands for. */
  readonly refs: RefTarget[];
}

const MARKER = /@@REF(\d+)@@/g;

/**
 * Parses the EC2NodeClass and NodePool objects out of A's `Custom::AWSCDK-EKS-KubernetesResource`
 * Manifest strings (a JSON string, or an Fn::Join of strings and references). The CRDs are left
 * out: B's chart installs its own (Helm's crds/ folder). The prune labels aws-eks-v2 adds are
 * dropped (B's addManifest adds its own).
 */
function renderedObjects(template: any, stack: Stack, cluster: HardenedCluster): RenderedObjects {
  const known = new Map<string, RefTarget>();
  cluster.vpc.privateSubnets.forEach((s, index) => known.set(JSON.stringify(stack.resolve(s.subnetId)), { kind: 'privateSubnet', index }));
  known.set(JSON.stringify(stack.resolve(cluster.clusterSecurityGroupId)), { kind: 'clusterSecurityGroup' });
  known.set(JSON.stringify(stack.resolve(cluster.karpenter!.nodeRole.roleName)), { kind: 'nodeRole' });

  const refs: RefTarget[] = [];
  const objects: Array<Record<string, any>> = [];
  for (const [logicalId, resource] of Object.entries<any>(template.Resources)) {
    if (resource.Type !== MANIFEST_TYPE) {
      continue;
    }
    const manifest = resource.Properties.Manifest;
    let text: string;
    if (typeof manifest === 'string') {
      text = manifest;
    } else if (manifest?.['Fn::Join']?.[0] === '') {
      text = (manifest['Fn::Join'][1] as unknown[]).map((part) => {
        if (typeof part === 'string') {
          return part;
        }
        const target = known.get(JSON.stringify(part));
        if (!target) {
          throw new Error(`${logicalId}: unknown reference ${JSON.stringify(part)} in the manifest`);
        }
        refs.push(target);
        return `@@REF${refs.length - 1}@@`;
      }).join('');
    } else {
      throw new Error(`${logicalId}: Manifest is neither a string nor an Fn::Join: ${JSON.stringify(manifest).slice(0, 200)}`);
    }
    for (const obj of JSON.parse(text) as Array<Record<string, any>>) {
      if (obj.kind !== 'EC2NodeClass' && obj.kind !== 'NodePool') {
        continue;
      }
      const labels = obj.metadata?.labels ?? {};
      for (const key of Object.keys(labels).filter((k) => k.startsWith('aws.cdk.eks/prune-'))) {
        delete labels[key];
      }
      if (obj.metadata?.labels && Object.keys(obj.metadata.labels).length === 0) {
        delete obj.metadata.labels;
      }
      objects.push(obj);
    }
  }
  const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
  const expected = ['EC2NodeClass/default', 'NodePool/default', 'NodePool/spot'];
  if (JSON.stringify(kinds) !== JSON.stringify(expected)) {
    throw new Error(`expected ${expected.join(', ')} in App A's manifests, found ${kinds.join(', ')}`);
  }
  return { objects, refs };
}

/** A deep copy of `value` with every marker replaced by `subst(marker)`. */
function substitute(value: any, subst: (i: number) => string): any {
  if (typeof value === 'string') {
    const whole = /^@@REF(\d+)@@$/.exec(value);
    if (whole) {
      return subst(Number(whole[1]));
    }
    return value.replace(MARKER, (_, i) => subst(Number(i)));
  }
  if (Array.isArray(value)) {
    return value.map((v) => substitute(v, subst));
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, subst)]));
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// App B

/**
 * App B: a plain aws-eks-v2 cluster as people write it, plus the Karpenter chart and A's node class
 * and node pools added by hand. The node class names B's only node role, the default node group's
 * (which EKS gives an EC2_LINUX access entry); subnets and security group are B's own.
 */
function buildB(outdir: string, rendered: RenderedObjects): { app: App; cluster: eks.Cluster } {
  const app = new App({ outdir });
  const stack = new Stack(app, 'PlainPlatform');

  const cluster = new eks.Cluster(stack, 'Cluster', {
    version: eks.KubernetesVersion.of('1.36'),
    kubectlProviderOptions: { kubectlLayer: new KubectlV36Layer(stack, 'KubectlLayer') },
    defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
  });
  const chart = cluster.addHelmChart('Karpenter', {
    ...KARPENTER_CHART,
    release: 'karpenter',
    namespace: 'kube-system',
    values: { settings: { clusterName: cluster.clusterName } },
  });

  const subst = (i: number): string => {
    const target = rendered.refs[i];
    switch (target.kind) {
      case 'privateSubnet': return cluster.vpc.privateSubnets[target.index].subnetId;
      case 'clusterSecurityGroup': return cluster.clusterSecurityGroupId;
      case 'nodeRole': return cluster.defaultNodegroup!.role.roleName;
    }
  };
  const nodeClasses: IConstruct[] = [];
  for (const obj of rendered.objects.filter((o) => o.kind === 'EC2NodeClass')) {
    const manifest = cluster.addManifest(`EC2NodeClass-${obj.metadata.name}`, substitute(obj, subst));
    manifest.node.addDependency(chart);
    nodeClasses.push(manifest);
  }
  for (const obj of rendered.objects.filter((o) => o.kind === 'NodePool')) {
    const manifest = cluster.addManifest(`NodePool-${obj.metadata.name}`, substitute(obj, subst));
    manifest.node.addDependency(chart, ...nodeClasses);
  }
  return { app, cluster };
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface Footprint {
  /** Bytes of each template file in the assembly (top-level and nested). */
  readonly templateBytes: number;
  /** Bytes (as JSON) of the Manifest properties that carry CustomResourceDefinitions. */
  readonly crdManifestBytes: number;
  readonly templates: number;
  /** Constructs in the app's tree (synth time grows with them). */
  readonly constructs: number;
  readonly resources: number;
  readonly resourcesByType: Record<string, number>;
  readonly lambdaFunctions: number;
  readonly customResources: number;
  readonly nestedStacks: number;
  readonly lambdaLayers: number;
  /** File and Docker image assets of the assembly (not part of the template bytes). */
  readonly assets: number;
  /** Construct paths of the Lambda functions and custom resources. */
  readonly lambdaFunctionPaths: string[];
  readonly customResourcePaths: string[];
  /** Every resource: logical id, type, construct path. */
  readonly inventory: Array<{ logicalId: string; type: string; path: string }>;
}

interface Run {
  readonly app: AppId;
  readonly mode: Mode;
  readonly round: number;
  readonly constructMs: number;
  readonly synthWallMs: number;
  readonly synthCpuMs: number;
  /** Calls of CloudFormationValidatePlugin.validate during this synth, and wall time spent in them. */
  readonly cfnValidateCalls: number;
  readonly cfnValidateMs: number;
}

// Proof that CDK_VALIDATION=false switches the schema validation off: count and time the calls of
// the built-in plugin (the timing wrapper itself costs two hrtime calls per synth).
let cfnValidateCalls = 0;
let cfnValidateNs = 0n;
const originalValidate = CloudFormationValidatePlugin.prototype.validate;
CloudFormationValidatePlugin.prototype.validate = function (this: CloudFormationValidatePlugin, ...args) {
  cfnValidateCalls++;
  const t0 = process.hrtime.bigint();
  try {
    return originalValidate.apply(this, args);
  } finally {
    cfnValidateNs += process.hrtime.bigint() - t0;
  }
};

const ORIGINAL_CDK_VALIDATION = process.env.CDK_VALIDATION;

function setMode(mode: Mode): void {
  if (mode === 'off') {
    process.env.CDK_VALIDATION = 'false';
  } else {
    delete process.env.CDK_VALIDATION;
  }
}

function restoreEnv(): void {
  if (ORIGINAL_CDK_VALIDATION === undefined) {
    delete process.env.CDK_VALIDATION;
  } else {
    process.env.CDK_VALIDATION = ORIGINAL_CDK_VALIDATION;
  }
}

function cpuMs(since?: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

function isCustomResource(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}

function footprint(app: App, outdir: string): Footprint {
  const files = fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'));
  let templateBytes = 0;
  const resourcesByType: Record<string, number> = {};
  const logicalIdPaths = new Map<string, string>();
  for (const c of app.node.findAll()) {
    if (CfnResource.isCfnResource(c)) {
      logicalIdPaths.set(`${Stack.of(c).artifactId}/${Stack.of(c).resolve(c.logicalId)}`, c.node.path);
    }
  }
  const inventory: Footprint['inventory'] = [];
  let crdManifestBytes = 0;
  for (const file of files) {
    const full = path.join(outdir, file);
    templateBytes += fs.statSync(full).size;
    const template = JSON.parse(fs.readFileSync(full, 'utf8'));
    const artifactId = file.replace(/\.template\.json$/, '');
    for (const [logicalId, resource] of Object.entries<any>(template.Resources ?? {})) {
      resourcesByType[resource.Type] = (resourcesByType[resource.Type] ?? 0) + 1;
      inventory.push({ logicalId, type: resource.Type, path: logicalIdPaths.get(`${artifactId}/${logicalId}`) ?? '?' });
      const manifest = resource.Type === MANIFEST_TYPE ? JSON.stringify(resource.Properties.Manifest) : '';
      if (manifest.includes('\\"kind\\":\\"CustomResourceDefinition\\"')) {
        crdManifestBytes += Buffer.byteLength(manifest);
      }
    }
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  let assets = 0;
  for (const artifact of Object.values<any>(manifest.artifacts ?? {})) {
    if (artifact.type === 'cdk:asset-manifest') {
      const assetManifest = JSON.parse(fs.readFileSync(path.join(outdir, artifact.properties.file), 'utf8'));
      assets += Object.keys(assetManifest.files ?? {}).length + Object.keys(assetManifest.dockerImages ?? {}).length;
    }
  }
  const sum = (pred: (type: string) => boolean) =>
    Object.entries(resourcesByType).filter(([t]) => pred(t)).reduce((n, [, k]) => n + k, 0);
  const pathsOf = (pred: (type: string) => boolean) => inventory.filter((r) => pred(r.type)).map((r) => r.path).sort();
  return {
    templateBytes,
    crdManifestBytes,
    templates: files.length,
    constructs: app.node.findAll().length,
    resources: inventory.length,
    resourcesByType: Object.fromEntries(Object.entries(resourcesByType).sort(([a], [b]) => a.localeCompare(b))),
    lambdaFunctions: sum((t) => t === 'AWS::Lambda::Function'),
    customResources: sum(isCustomResource),
    nestedStacks: sum((t) => t === 'AWS::CloudFormation::Stack'),
    lambdaLayers: sum((t) => t === 'AWS::Lambda::LayerVersion'),
    assets,
    lambdaFunctionPaths: pathsOf((t) => t === 'AWS::Lambda::Function'),
    customResourcePaths: pathsOf(isCustomResource),
    inventory: inventory.sort((a, b) => a.path.localeCompare(b.path)),
  };
}

/** Set once from App A's first synth, before App B is ever built. */
let rendered: RenderedObjects | undefined;
const footprints: Partial<Record<AppId, Footprint>> = {};

function runOnce(appId: AppId, mode: Mode, round: number): Run {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-hardened-eks-footprint-'));
  setMode(mode);
  try {
    gc();
    const c0 = process.hrtime.bigint();
    const built = appId === 'B' ? buildB(outdir, rendered!) : buildA(outdir, appId === 'A2');
    const c1 = process.hrtime.bigint();
    const calls0 = cfnValidateCalls;
    const validateNs0 = cfnValidateNs;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    built.app.synth();
    const t1 = process.hrtime.bigint();
    const synthCpuMs = cpuMs(cpu0);

    if (appId === 'A' && !rendered) {
      const stack = Stack.of(built.cluster);
      const template = JSON.parse(fs.readFileSync(path.join(outdir, `${stack.artifactId}.template.json`), 'utf8'));
      rendered = renderedObjects(template, stack, built.cluster as HardenedCluster);
    }
    const fp = footprint(built.app, outdir);
    const seen = footprints[appId];
    if (!seen) {
      footprints[appId] = fp;
    } else if (JSON.stringify(seen) !== JSON.stringify(fp)) {
      throw new Error(`App ${appId}: the assembly of round ${round} (${mode}) differs from the first one`);
    }
    return {
      app: appId,
      mode,
      round,
      constructMs: Number(c1 - c0) / 1e6,
      synthWallMs: Number(t1 - t0) / 1e6,
      synthCpuMs,
      cfnValidateCalls: cfnValidateCalls - calls0,
      cfnValidateMs: Number(cfnValidateNs - validateNs0) / 1e6,
    };
  } finally {
    restoreEnv();
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ---------------------------------------------------------------------------------------------
// Reporting

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`, ...rows.map(line)].join('\n');
}

function fmtMs(x: number): string {
  return x.toFixed(0);
}

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}x`;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : `${n}`;
}

function main(): void {
  const loadBefore = os.loadavg();
  const machine = {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '?',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    awsCdkLib: JSON.parse(fs.readFileSync(require.resolve('aws-cdk-lib/package.json'), 'utf8')).version as string,
  };
  log(`platform-footprint: ${RUNS} timed runs per app and mode; node ${machine.node}, ${machine.cpus} CPUs (${machine.cpuModel}), `
    + `load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);

  // Warm-up (untimed): loads modules and the CloudFormation schemas; A first, for its manifests.
  for (let w = 0; w < WARMUP; w++) {
    for (const mode of ['on', 'off'] as Mode[]) {
      for (const appId of APPS) {
        const r = runOnce(appId, mode, -1 - w);
        log(`  warm-up ${appId.padEnd(2)} ${mode.padEnd(3)} synth ${fmtMs(r.synthWallMs).padStart(5)} ms wall, ${fmtMs(r.synthCpuMs).padStart(5)} ms CPU`);
      }
    }
  }

  const runs: Run[] = [];
  for (let round = 0; round < RUNS; round++) {
    const modes: Mode[] = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    // A and B swap places every other round; A2 (diagnostic) runs between or after them.
    const ab: AppId[] = Math.floor(round / 2) % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
    const apps: AppId[] = round % 3 === 0 ? [...ab, 'A2'] : round % 3 === 1 ? [ab[0], 'A2', ab[1]] : ['A2', ...ab];
    for (const mode of modes) {
      for (const appId of (mode === modes[0] ? apps : [...apps].reverse())) {
        const r = runOnce(appId, mode, round);
        runs.push(r);
        log(`  round ${round} ${appId.padEnd(2)} ${mode.padEnd(3)} construct ${fmtMs(r.constructMs).padStart(5)} ms, synth `
          + `${fmtMs(r.synthWallMs).padStart(5)} ms wall, ${fmtMs(r.synthCpuMs).padStart(5)} ms CPU, cfn-validate ${r.cfnValidateCalls} call(s), ${fmtMs(r.cfnValidateMs)} ms`);
      }
    }
  }
  const loadAfter = os.loadavg();

  const timing = (appId: AppId, mode: Mode) => {
    const rs = runs.filter((r) => r.app === appId && r.mode === mode);
    return {
      runs: rs.length,
      synthWallMs: median(rs.map((r) => r.synthWallMs)),
      synthCpuMs: median(rs.map((r) => r.synthCpuMs)),
      constructMs: median(rs.map((r) => r.constructMs)),
      synthWallMsAll: rs.map((r) => Math.round(r.synthWallMs)),
      synthCpuMsAll: rs.map((r) => Math.round(r.synthCpuMs)),
      cfnValidateCalls: [...new Set(rs.map((r) => r.cfnValidateCalls))],
      cfnValidateMs: median(rs.map((r) => r.cfnValidateMs)),
    };
  };
  const timings = {
    A: { on: timing('A', 'on'), off: timing('A', 'off') },
    B: { on: timing('B', 'on'), off: timing('B', 'off') },
    A2: { on: timing('A2', 'on'), off: timing('A2', 'off') },
  };
  const A = footprints.A!;
  const B = footprints.B!;
  const A2 = footprints.A2!;

  // Validation really off: with CDK_VALIDATION=false the plugin is never called and no time is
  // spent in it; with validation on it runs once per synth and takes measurable time.
  const validationSwitch = APPS.map((appId) => ({
    app: appId,
    callsOn: timings[appId].on.cfnValidateCalls,
    callsOff: timings[appId].off.cfnValidateCalls,
    validateMsOn: timings[appId].on.cfnValidateMs,
    validateMsOff: timings[appId].off.cfnValidateMs,
    synthWallMsOnMinusOff: timings[appId].on.synthWallMs - timings[appId].off.synthWallMs,
    synthCpuMsOnMinusOff: timings[appId].on.synthCpuMs - timings[appId].off.synthCpuMs,
  }));
  const validationOffWorks = validationSwitch.every((v) =>
    v.callsOff.length === 1 && v.callsOff[0] === 0 && v.validateMsOff === 0 && v.callsOn.every((c) => c > 0) && v.validateMsOn > 0);

  const ratios = {
    on: { wall: timings.A.on.synthWallMs / timings.B.on.synthWallMs, cpu: timings.A.on.synthCpuMs / timings.B.on.synthCpuMs },
    off: { wall: timings.A.off.synthWallMs / timings.B.off.synthWallMs, cpu: timings.A.off.synthCpuMs / timings.B.off.synthCpuMs },
  };
  const diagnosticA2OverB = {
    on: { wall: timings.A2.on.synthWallMs / timings.B.on.synthWallMs, cpu: timings.A2.on.synthCpuMs / timings.B.on.synthCpuMs },
    off: { wall: timings.A2.off.synthWallMs / timings.B.off.synthWallMs, cpu: timings.A2.off.synthCpuMs / timings.B.off.synthCpuMs },
  };
  const kubectlProviderFunctions = (fp: Footprint) => fp.lambdaFunctionPaths.filter((p) => p.includes('/KubectlProvider/')).length;
  const targets = {
    lambdaFunctions: {
      target: 'no more Lambda functions than the kubectl provider needs',
      a: A.lambdaFunctions,
      b: B.lambdaFunctions,
      aUnderKubectlProvider: kubectlProviderFunctions(A),
      met: A.lambdaFunctions === kubectlProviderFunctions(A) && A.lambdaFunctions <= B.lambdaFunctions,
    },
    nestedStacks: { target: 'no nested stacks', a: A.nestedStacks, met: A.nestedStacks === 0 },
    synthTime: {
      target: `synth time within ${MAX_SYNTH_RATIO}x of the plain baseline`,
      ratios,
      met: Object.values(ratios).every((r) => r.wall <= MAX_SYNTH_RATIO && r.cpu <= MAX_SYNTH_RATIO),
    },
  };

  // Tables.
  const out: string[] = [];
  out.push('Footprint (App A: examples/app.ts without the checker aspect; App B: plain eks.Cluster + Karpenter by hand)');
  out.push(table(['', 'A', 'B', 'A - B'], [
    ['template bytes', String(A.templateBytes), String(B.templateBytes), signed(A.templateBytes - B.templateBytes)],
    ['  of which CRD manifests', String(A.crdManifestBytes), String(B.crdManifestBytes), signed(A.crdManifestBytes - B.crdManifestBytes)],
    ['resources', String(A.resources), String(B.resources), signed(A.resources - B.resources)],
    ['AWS::Lambda::Function', String(A.lambdaFunctions), String(B.lambdaFunctions), signed(A.lambdaFunctions - B.lambdaFunctions)],
    ['custom resources', String(A.customResources), String(B.customResources), signed(A.customResources - B.customResources)],
    ['nested stacks', String(A.nestedStacks), String(B.nestedStacks), signed(A.nestedStacks - B.nestedStacks)],
    ['Lambda layers', String(A.lambdaLayers), String(B.lambdaLayers), signed(A.lambdaLayers - B.lambdaLayers)],
    ['constructs in the app', String(A.constructs), String(B.constructs), signed(A.constructs - B.constructs)],
    ['templates in the assembly', String(A.templates), String(B.templates), signed(A.templates - B.templates)],
    ['assets', String(A.assets), String(B.assets), signed(A.assets - B.assets)],
  ]));
  out.push('');
  out.push(`Synth time, median of ${RUNS} runs (ms; app construction not included)`);
  const tRow = (appId: AppId, mode: Mode) => {
    const t = timings[appId][mode];
    return [`${APP_NAMES[appId]}, ${MODE_NAMES[mode]}`, fmtMs(t.synthWallMs), fmtMs(t.synthCpuMs), fmtMs(t.constructMs), t.synthWallMsAll.join(' ')];
  };
  out.push(table(['', 'synth wall', 'synth CPU', 'construct', 'wall, every run'],
    [tRow('A', 'on'), tRow('B', 'on'), tRow('A', 'off'), tRow('B', 'off'), tRow('A2', 'on'), tRow('A2', 'off')]));
  out.push('');
  out.push(table(['A / B', 'wall', 'CPU'], [
    [MODE_NAMES.on, ratio(timings.A.on.synthWallMs, timings.B.on.synthWallMs), ratio(timings.A.on.synthCpuMs, timings.B.on.synthCpuMs)],
    [MODE_NAMES.off, ratio(timings.A.off.synthWallMs, timings.B.off.synthWallMs), ratio(timings.A.off.synthCpuMs, timings.B.off.synthCpuMs)],
  ]));
  out.push('');
  out.push(`Diagnostic, A2 (CRDs from the karpenter-crd chart): ${A2.templateBytes} template bytes, ${A2.resources} resources, ${A2.constructs} constructs; A2 / B synth: `
    + `on ${ratio(timings.A2.on.synthWallMs, timings.B.on.synthWallMs)} wall / ${ratio(timings.A2.on.synthCpuMs, timings.B.on.synthCpuMs)} CPU, `
    + `off ${ratio(timings.A2.off.synthWallMs, timings.B.off.synthWallMs)} wall / ${ratio(timings.A2.off.synthCpuMs, timings.B.off.synthCpuMs)} CPU`);
  out.push('');
  out.push(table(['schema validation', 'calls on / off', 'ms in it on / off', 'synth on - off, wall ms', 'CPU ms'], validationSwitch.map((v) => [
    v.app, `${v.callsOn.join(',')} / ${v.callsOff.join(',')}`, `${v.validateMsOn.toFixed(1)} / ${v.validateMsOff.toFixed(1)}`,
    signed(Math.round(v.synthWallMsOnMinusOff)), signed(Math.round(v.synthCpuMsOnMinusOff)),
  ])));
  out.push(`CDK_VALIDATION=false switches the CloudFormation validation off: ${validationOffWorks ? 'yes' : 'NO'}`);
  out.push('');
  out.push('Resources by type');
  const types = [...new Set([...Object.keys(A.resourcesByType), ...Object.keys(B.resourcesByType)])].sort();
  out.push(table(['type', 'A', 'B', 'A - B'], types.map((t) => {
    const a = A.resourcesByType[t] ?? 0;
    const b = B.resourcesByType[t] ?? 0;
    return [t, String(a), String(b), a === b ? '' : signed(a - b)];
  })));
  out.push('');
  out.push('Targets');
  out.push(`- ${targets.lambdaFunctions.target}: A ${A.lambdaFunctions} (all ${targets.lambdaFunctions.aUnderKubectlProvider} under the kubectl provider? `
    + `${A.lambdaFunctions === targets.lambdaFunctions.aUnderKubectlProvider ? 'yes' : 'no'}), B ${B.lambdaFunctions}: ${targets.lambdaFunctions.met ? 'MET' : 'MISSED'}`);
  out.push(`- ${targets.nestedStacks.target}: A ${A.nestedStacks}: ${targets.nestedStacks.met ? 'MET' : 'MISSED'}`);
  out.push(`- ${targets.synthTime.target}: on ${ratios.on.wall.toFixed(2)}x wall / ${ratios.on.cpu.toFixed(2)}x CPU, `
    + `off ${ratios.off.wall.toFixed(2)}x wall / ${ratios.off.cpu.toFixed(2)}x CPU: ${targets.synthTime.met ? 'MET' : 'MISSED'}`);
  process.stdout.write(`${out.join('\n')}\n`);

  let commit = '?';
  try {
    commit = execSync('git rev-parse HEAD', { cwd: __dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout
  }
  fs.writeFileSync(RESULTS, `${JSON.stringify({
    date: new Date().toISOString(),
    commit,
    command: 'npx ts-node --project test/tsconfig.json bench/platform-footprint.ts',
    runsPerCase: RUNS,
    warmupsPerCase: WARMUP,
    machine: { ...machine, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter },
    apps: {
      A: 'examples/app.ts without the ImdsHopLimitChecker aspect',
      A2: 'diagnostic, outside the targets: App A with karpenter.crds = KarpenterCrds.CRD_CHART',
      B: 'eks.Cluster (V1_36, KubectlV36Layer, DefaultCapacityType.NODEGROUP) + addHelmChart(karpenter 1.14.1, settings.clusterName) + addManifest(A\'s EC2NodeClass and NodePools)',
    },
    footprint: { A, B, A2 },
    timings,
    ratios,
    diagnosticA2OverB,
    validationSwitch: { works: validationOffWorks, perApp: validationSwitch },
    targets,
    karpenterObjectsCopiedToB: rendered,
    runs,
  }, undefined, 2)}\n`);
  log(`results: ${path.relative(process.cwd(), RESULTS)}`);
}

main();
