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
  // kubectl's other spellings of a type: TYPE.VERSION.GROUP and short names.
  new eks.KubernetesPatch(stack, 'Versioned', {
    cluster,
    resourceName: 'ec2nodeclasses.v1.karpenter.k8s.aws/versioned',
    applyPatch: { spec: { metadataOptions: { httpPutResponseHopLimit: 2 } } },
    restorePatch: {},
  });
  new eks.KubernetesPatch(stack, 'ShortName', {
    cluster, resourceName: 'ds/node-agent', applyPatch: { spec: { template: { spec: { hostNetwork: true } } } }, restorePatch: {},
  });
  // Every API group a workload kind is judged in, as for its manifests (extensions/v1beta1 on old clusters).
  new eks.KubernetesPatch(stack, 'LegacyGroup', {
    cluster, resourceName: 'daemonsets.v1beta1.extensions/legacy-agent', applyPatch: { spec: { template: { spec: { hostNetwork: true } } } }, restorePatch: {},
  });
  // A JSON patch that copies a value from the object as it stands in the cluster: not known here.
  new eks.KubernetesPatch(stack, 'CopiesHop', {
    cluster,
    resourceName: 'ec2nodeclass/copied',
    patchType: eks.PatchType.JSON,
    applyPatch: [{ op: 'copy', from: '/metadata/annotations/hop', path: '/spec/metadataOptions/httpPutResponseHopLimit' }] as unknown as Record<string, any>,
    restorePatch: {},
  });
  // Objects written as text in the values, as charts with extraObjects / extraDeploy take them.
  new eks.HelmChart(stack, 'Extras', {
    cluster,
    chart: 'extras',
    repository: 'https://charts.example.com',
    values: {
      extraObjects: [
        'apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata:\n  name: from-text\nspec:\n  metadataOptions:\n    httpPutResponseHopLimit: 2\n',
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \'{{ .Release.Name }}-settings\'\n',
      ],
    },
  });
  return { app, stack };
}

const EXPECTED = [
  'HopLimitAboveOne EC2NodeClass/default',
  'HopLimitAboveOne EC2NodeClass/from-helm',
  'HopLimitAboveOne EC2NodeClass/from-text',
  'HopLimitAboveOne EC2NodeClass/versioned',
  'HostNetworkPod DaemonSet/agent',
  'HostNetworkPod DaemonSet/legacy-agent',
  'HostNetworkPod DaemonSet/node-agent',
  'ImdsV1Allowed EC2NodeClass/gpu',
  'Unverifiable EC2NodeClass/copied',
  'Unverifiable undefined',
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
  annotations.hasError('/Fleet/Versioned', Match.stringLikeRegexp('^\\[HopLimitAboveOne\\] EC2NodeClass/versioned'));
  annotations.hasError('/Fleet/Extras', Match.stringLikeRegexp('^\\[HopLimitAboveOne\\] EC2NodeClass/from-text: httpPutResponseHopLimit is 2'));
  // Not about one object: on the chart's custom resource.
  expect(annotations.findWarning('*', Match.stringLikeRegexp('^\\[Unverifiable\\] .*Helm template expressions')).map((m) => m.id))
    .toEqual([expect.stringMatching(/^\/Fleet\/Extras\//)]);
  expect(annotations.findWarning('/Fleet/CopiesHop', Match.stringLikeRegexp('^\\[Unverifiable\\] EC2NodeClass/copied: .*the JSON patch copies it'))).toHaveLength(1);
  expect(annotations.findWarning('/Fleet/ShortName', Match.stringLikeRegexp('\\[HostNetworkPod\\] DaemonSet/node-agent'))).toHaveLength(1);
});
