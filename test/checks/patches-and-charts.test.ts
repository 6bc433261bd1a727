// Kubernetes patches and Helm values reach objects too: a patch that raises a node class's hop
// limit, a patch that puts a DaemonSet on the host network, objects carried in a chart's values.
// The same through the engine (ImdsAudit.ofStack), the aspect and the cloud assembly (ofStage).
import { App, AspectPriority, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { ImdsAudit, ImdsHopLimitChecker } from '../../src';
import { importedCluster } from '../support/cdk';

function fleet() {
  const app = new App();
  const stack = new Stack(app, 'Fleet');
  const cluster = importedCluster(stack, { oidc: false });
  new eks.KubernetesPatch(stack, 'RaiseHop', {
    cluster,
    resourceName: 'ec2nodeclass/default',
    patchType: eks.PatchType.MERGE,
    applyPatch: { spec: { metadataOptions: { httpPutResponseHopLimit: 2 } } },
    restorePatch: { spec: { metadataOptions: { httpPutResponseHopLimit: 1 } } },
  });
  new eks.KubernetesPatch(stack, 'AgentOnHost', {
    cluster,
    resourceName: 'daemonset/agent',
    resourceNamespace: 'monitoring',
    applyPatch: { spec: { template: { spec: { hostNetwork: true } } } },
    restorePatch: {},
  });
  new eks.KubernetesPatch(stack, 'TokensOptional', {
    cluster,
    resourceName: 'ec2nodeclasses.karpenter.k8s.aws/gpu',
    patchType: eks.PatchType.JSON,
    applyPatch: [{ op: 'replace', path: '/spec/metadataOptions/httpTokens', value: 'optional' }] as unknown as Record<string, any>,
    restorePatch: {},
  });
  new eks.KubernetesPatch(stack, 'Harmless', {
    cluster, resourceName: 'configmap/aws-logging', applyPatch: { data: { x: 'y' } }, restorePatch: {},
  });
  new eks.HelmChart(stack, 'Raw', {
    cluster,
    chart: 'raw',
    repository: 'https://charts.example.com',
    values: { resources: [{ apiVersion: 'karpenter.k8s.aws/v1', kind: 'EC2NodeClass', metadata: { name: 'from-helm' }, spec: { metadataOptions: { httpPutResponseHopLimit: 3 } } }] },
  });
  return { app, stack };
}

const EXPECTED = [
  'HopLimitAboveOne EC2NodeClass/default',
  'HopLimitAboveOne EC2NodeClass/from-helm',
  'HostNetworkPod DaemonSet/agent',
  'ImdsV1Allowed EC2NodeClass/gpu',
];

test('the engine judges each patch as the part of its object it writes, and objects in chart values', () => {
  expect(ImdsAudit.ofStack(fleet().stack).map((f) => `${f.ruleId} ${f.kubernetesObject}`).sort()).toEqual(EXPECTED);
});

test('the cloud assembly gives the same findings', () => {
  const { app } = fleet();
  expect(ImdsAudit.ofStage(app).map((f) => `${f.ruleId} ${f.kubernetesObject}`).sort()).toEqual(EXPECTED);
});

test('the aspect annotates the patch and the chart constructs', () => {
  const { app, stack } = fleet();
  Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY });
  const annotations = Annotations.fromStack(stack);
  annotations.hasError('/Fleet/RaiseHop', Match.stringLikeRegexp('^\\[HopLimitAboveOne\\] EC2NodeClass/default: httpPutResponseHopLimit is 2'));
  annotations.hasError('/Fleet/TokensOptional', Match.stringLikeRegexp('^\\[ImdsV1Allowed\\] EC2NodeClass/gpu'));
  annotations.hasError('/Fleet/Raw', Match.stringLikeRegexp('^\\[HopLimitAboveOne\\] EC2NodeClass/from-helm: httpPutResponseHopLimit is 3'));
  expect(annotations.findWarning('/Fleet/AgentOnHost', Match.stringLikeRegexp('\\[HostNetworkPod\\] DaemonSet/agent'))).toHaveLength(1);
  expect(annotations.findError('/Fleet/Harmless', Match.anyValue())).toEqual([]);
});
