// Validation helpers shared by the Karpenter constructs and selector terms. Not exported from the
// package: every error they raise is a HardenedEksError naming the prop, the value and the fix.
import { Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { IConstruct } from 'constructs';
import { HardenedEksError } from '../private/errors';
import { isDnsLabel } from '../private/kubernetes-names';

/** Checks the tags of a selector term: 1..20 entries, no empty key or value. */
export function checkSelectorTags(where: string, tags: { [key: string]: string }): { [key: string]: string } {
  const entries = Object.entries(tags ?? {});
  if (entries.length === 0 || entries.length > 20) {
    throw new HardenedEksError('InvalidSelectorTerm', undefined,
      `${where}(${JSON.stringify(tags)}): give between 1 and 20 tags (the EC2NodeClass CRD limit); they are ANDed.`);
  }
  for (const [key, value] of entries) {
    if (key === '' || (!Token.isUnresolved(value) && (typeof value !== 'string' || value === ''))) {
      throw new HardenedEksError('InvalidSelectorTerm', undefined,
        `${where}(${JSON.stringify(tags)}): tag keys and values must not be empty (use '*' to match any value of a key).`);
    }
  }
  return { ...tags };
}

/** Refuses an empty (or blank) literal string. */
export function requireNonEmpty(where: string, prop: string, value: string): void {
  if (!Token.isUnresolved(value) && (typeof value !== 'string' || value.trim() === '')) {
    throw new HardenedEksError('InvalidSelectorTerm', undefined, `${where}: ${prop} is ${JSON.stringify(value)}; give a non-empty value.`);
  }
}

/** A Karpenter object this library applies: its kind, name and the construct that applies it. */
export interface KarpenterObjectOwner {
  /** `EC2NodeClass` or `NodePool`. */
  readonly kind: string;
  readonly name: string;
  /** The class users construct, for the message (`HardenedEc2NodeClass`). */
  readonly construct: string;
  /** The error code for a second object of this kind and name. */
  readonly duplicateCode: string;
}

/** Per cluster, the Karpenter objects this library applies to it, by `Kind/name`. */
const APPLIED = new WeakMap<eks.ICluster, Map<string, IConstruct>>();

/**
 * Applies a Karpenter object to the cluster as a `KubernetesManifest` under `scope` (so in the stack
 * of the construct that asks for it, not in the cluster's stack: a team's node class in a team stack
 * stays there and forms no cycle with the platform stack), refusing a second object of the same kind
 * and name on that cluster: Kubernetes would keep only one of them, whichever the last deploy wrote.
 */
export function applyKarpenterObject(
  scope: IConstruct, cluster: eks.ICluster, owner: KarpenterObjectOwner, manifest: Record<string, any>,
): eks.KubernetesManifest {
  const key = `${owner.kind}/${owner.name}`;
  let applied = APPLIED.get(cluster);
  if (!applied) {
    applied = new Map();
    APPLIED.set(cluster, applied);
  }
  const existing = applied.get(key);
  if (existing) {
    throw new HardenedEksError(owner.duplicateCode, scope,
      `${/^[AEIOU]/.test(owner.kind) ? 'an' : 'a'} ${owner.kind} named '${owner.name}' is already applied to this cluster (${existing.node.path}). ` +
      `Give each ${owner.construct} of a cluster its own name (the \`name\` prop, or a different construct id).`);
  }
  const resource = new eks.KubernetesManifest(scope, 'Manifest', { cluster, manifest: [manifest] });
  applied.set(key, scope);
  return resource;
}

/** Whether a literal is a valid Karpenter object name (DNS-1123 label, at most 63 characters). */
export function isValidObjectName(name: string): boolean {
  return isDnsLabel(name);
}

/**
 * A Karpenter object name derived from a construct id: lower case, runs of other characters
 * turned into '-', trimmed to 63 characters. Deterministic; never a token.
 */
export function objectNameFromId(id: string): string {
  const name = id.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+/, '').slice(0, 63).replace(/-+$/, '');
  return name === '' ? 'default' : name;
}

/**
 * References made with `Ec2NodeClassRef.fromName()`: a NodePool checks at synth that a
 * `HardenedEc2NodeClass` of that name is applied to its cluster.
 */
export const NAMED_NODE_CLASS_REFS = new WeakSet<object>();

/** A Kubernetes label value (the empty string aside). */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A Kubernetes qualified name (label or taint key), as the NodePool CRD checks it. */
export const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(\/))?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** The `karpenter.k8s.aws/*` labels a NodePool may use (NodePool CRD, Karpenter v1.14.1). */
const KARPENTER_AWS_LABELS = new Set([
  'instance-tenancy', 'capacity-reservation-type', 'capacity-reservation-id', 'capacity-reservation-interruptible', 'ec2nodeclass',
  'instance-encryption-in-transit-supported', 'instance-category', 'instance-hypervisor', 'instance-family', 'instance-generation',
  'instance-local-nvme', 'instance-size', 'instance-cpu', 'instance-cpu-manufacturer', 'instance-cpu-sustained-clock-speed-mhz',
  'instance-memory', 'instance-ebs-bandwidth', 'instance-network-bandwidth', 'instance-gpu-name', 'instance-gpu-manufacturer',
  'instance-gpu-count', 'instance-gpu-memory', 'instance-accelerator-name', 'instance-accelerator-manufacturer',
  'instance-accelerator-count', 'instance-capability-flex', 'placement-group-id', 'placement-group-partition',
].map((l) => `karpenter.k8s.aws/${l}`));

/**
 * Why a label key may not be used in a NodePool's requirements or labels, or `undefined` when it
 * may (the NodePool CRD's rules, with the reason spelled out).
 */
export function restrictedLabelReason(key: string): string | undefined {
  if (key === 'karpenter.sh/nodepool') {
    return 'Karpenter sets karpenter.sh/nodepool itself';
  }
  if (key === 'kubernetes.io/hostname') {
    return 'kubernetes.io/hostname is unique to each node';
  }
  const domain = key.includes('/') ? key.slice(0, key.indexOf('/')) : '';
  if (domain.endsWith('karpenter.sh') && key !== 'karpenter.sh/capacity-type') {
    return 'the karpenter.sh domain is reserved (only karpenter.sh/capacity-type may be used)';
  }
  if (domain.endsWith('karpenter.k8s.aws') && !KARPENTER_AWS_LABELS.has(key)) {
    return 'the karpenter.k8s.aws domain is reserved except for its well-known instance labels (e.g. karpenter.k8s.aws/instance-family)';
  }
  return undefined;
}
