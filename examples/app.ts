/**
 * The example app behind `npm run example`: the hardened platform.
 *
 * An EKS cluster (aws-eks-v2) whose system node group runs on an IMDSv2 / hop-limit-1 launch
 * template, Karpenter with its controller on EKS Pod Identity, a hardened EC2NodeClass and two
 * NodePools. The IMDS checker runs as an aspect and fails synth on any hop limit that can be
 * above 1; `npm run example` then audits cdk.out and expects zero findings.
 */
import { App, AspectPriority, Aspects, Stack } from 'aws-cdk-lib';
import {
  AmiAlias, AmiFamily, AmiSelectorTerm, CapacityType, HardenedCluster, ImdsHopLimitChecker,
} from '../src';

const app = new App();
const stack = new Stack(app, 'HardenedPlatform');

const cluster = new HardenedCluster(stack, 'Cluster');
const nodeClass = cluster.addEc2NodeClass('default', {
  // Pin the AMI in production: `@latest` drifts (and replaces nodes) on every AMI release.
  amiSelectorTerms: [AmiSelectorTerm.fromAlias(AmiAlias.of(AmiFamily.AL2023, 'v20251117'))],
});
cluster.addNodePool('default', { nodeClass });
cluster.addNodePool('spot', { nodeClass, capacityTypes: [CapacityType.SPOT], weight: 10 });

Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });

app.synth();
