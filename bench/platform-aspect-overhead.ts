/**
 * The aspect's overhead on the realistic app: the hardened platform of examples/app.ts (cluster,
 * Karpenter, a node class, two pools). Median CPU time of 11 alternating synths, with and without
 * schema validation. Run: npx ts-node --project test/tsconfig.json bench/platform-aspect-overhead.ts
 */
import { App, AspectPriority, Aspects, Stack } from 'aws-cdk-lib';
import { AmiAlias, AmiFamily, AmiSelectorTerm, CapacityType, HardenedCluster, ImdsHopLimitChecker } from '../src';
function build(withAspect: boolean) {
  const app = new App();
  const stack = new Stack(app, 'HardenedPlatform');
  const cluster = new HardenedCluster(stack, 'Cluster');
  const nodeClass = cluster.addEc2NodeClass('default', { amiSelectorTerms: [AmiSelectorTerm.fromAlias(AmiAlias.of(AmiFamily.AL2023, 'v20251117'))] });
  cluster.addNodePool('default', { nodeClass });
  cluster.addNodePool('spot', { nodeClass, capacityTypes: [CapacityType.SPOT], weight: 10 });
  if (withAspect) Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
  return app;
}
function cpu(f: () => void): number { const a = process.cpuUsage(); f(); const d = process.cpuUsage(a); return (d.user + d.system) / 1000; }
const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const validation of ['false', 'true']) {
  process.env.CDK_VALIDATION = validation;
  for (let w = 0; w < 3; w++) { build(w % 2 === 0).synth(); }
  const withA: number[] = []; const without: number[] = [];
  for (let i = 0; i < 11; i++) {
    const order = i % 2 ? [true, false] : [false, true];
    for (const a of order) { const app = build(a); (a ? withA : without).push(cpu(() => app.synth())); }
  }
  const w = med(withA), wo = med(without);
  console.log(`validation ${validation === 'true' ? 'on ' : 'off'}: without ${wo.toFixed(0)} ms CPU, with ${w.toFixed(0)} ms CPU, overhead ${((w / wo - 1) * 100).toFixed(1)}%`);
}
