/**
 * The example app behind `npm run example`: the hardened platform and the seed articles' demo.
 *
 * - An EKS cluster (aws-eks-v2) whose system node group runs on an IMDSv2 / hop-limit-1 launch
 *   template, Karpenter with its controller on EKS Pod Identity, a hardened EC2NodeClass and two
 *   NodePools.
 * - The demo workload: an alpine pod that lists, puts and deletes objects in one S3 bucket, once
 *   with credentials from EKS Pod Identity and once through IRSA. Each gets read/write on that
 *   bucket and nothing else; neither can reach the node role (hop limit 1).
 *
 * The IMDS checker runs as an aspect and fails synth on any hop limit that can be above 1;
 * `npm run example` then audits cdk.out and expects zero findings.
 */
import { App, AspectPriority, Aspects, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  AmiAlias, AmiFamily, AmiSelectorTerm, CapacityType, HardenedCluster, ImdsHopLimitChecker,
} from '../src';

const app = new App();
const stack = new Stack(app, 'HardenedPlatform');

// The platform.
// A hardened default EC2NodeClass and NodePool come with the cluster; pin the AMI in production:
// `@latest` drifts (and replaces nodes) on every AMI release.
const cluster = new HardenedCluster(stack, 'Cluster', {
  defaultNodeClassOptions: { amiSelectorTerms: [AmiSelectorTerm.fromAlias(AmiAlias.of(AmiFamily.AL2023, 'v20251117'))] },
});
cluster.addNodePool('spot', { nodeClass: cluster.defaultNodeClass!, capacityTypes: [CapacityType.SPOT], weight: 10 });

// Add-ons told their region and VPC (at hop limit 1 they cannot ask IMDS), each on its own Pod Identity.
cluster.addLoadBalancerController();
cluster.addEbsCsiDriver({ defaultStorageClass: true });

// The demo workload: one bucket, two ways to reach it, each with its own least-privilege role.
const bucket = new s3.Bucket(stack, 'DemoBucket', {
  enforceSSL: true,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  encryption: s3.BucketEncryption.S3_MANAGED,
});
const viaPodIdentity = cluster.addPodIdentity('DemoPodIdentity', {
  serviceAccountNamespace: 'demo-pod-identity', serviceAccount: 'demo-app', createNamespace: true,
});
const viaIrsa = cluster.addIrsaRole('DemoIrsa', {
  serviceAccountNamespace: 'demo-irsa', serviceAccount: 'demo-app', createNamespace: true,
});
for (const [name, identity] of [['pod-identity', viaPodIdentity], ['irsa', viaIrsa]] as const) {
  bucket.grantReadWrite(identity);
  // The seed articles' alpine pod: who am I, and what is in the bucket? (AWS_REGION is given
  // explicitly: at hop limit 1 the SDK cannot ask IMDS for it.)
  const pod = cluster.addManifest(`DemoPod-${name}`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'hop-limit-demo-app', namespace: identity.serviceAccountNamespace },
    spec: {
      serviceAccountName: identity.serviceAccountName,
      containers: [{
        name: 'demo-app',
        image: 'alpine:3.22',
        command: ['sh', '-c',
          'apk add --no-cache aws-cli && aws sts get-caller-identity && aws s3 ls "s3://$BUCKET" && tail -f /dev/null'],
        env: [{ name: 'AWS_REGION', value: stack.region }, { name: 'BUCKET', value: bucket.bucketName }],
      }],
    },
  });
  if (identity.serviceAccountManifest) {
    pod.node.addDependency(identity.serviceAccountManifest);
  }
}

Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });

app.synth();
