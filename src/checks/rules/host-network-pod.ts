import { MANIFEST_TYPES } from './judged';
import { RuleCategory } from './rule';
import { RuleId } from './rule-id';
import { RuleModule } from './rule-module';
import { Severity } from '../severity';

/** `HostNetworkPod`: its metadata, its category and what it judges. */
export const HOST_NETWORK_POD: RuleModule = {
  id: RuleId.HOST_NETWORK_POD,
  category: RuleCategory.IMDS,
  judges: {
    resourceTypes: [...MANIFEST_TYPES],
    kubernetesKinds: ['Pod', 'apps/Deployment', 'apps/DaemonSet', 'apps/StatefulSet', 'apps/ReplicaSet', 'batch/Job', 'batch/CronJob', 'ReplicationController', 'PodTemplate', 'extensions/Deployment', 'extensions/DaemonSet', 'extensions/ReplicaSet'],
  },
  defaultSeverity: Severity.WARNING,
  summary: 'A workload (Pod, Deployment, DaemonSet, StatefulSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate) uses `hostNetwork: true` ' +
    'outside kube-system.',
  explanation:
    'A pod in the host network namespace is zero hops from IMDS, so the hop limit does not stop it from reading ' +
    'the node role\'s credentials.',
  fix:
    'Remove `hostNetwork: true`, or run the workload in kube-system only if it is a node component that needs ' +
    'the host network; give it its own credentials through Pod Identity.',
};
