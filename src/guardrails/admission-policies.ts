import { Lazy } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct, IConstruct } from 'constructs';
import { AdmissionAction } from './admission-action';
import { imdsAdmissionObjects } from '../private/admission-objects';
import { HardenedEksError } from '../private/errors';

/**
 * Options of `ImdsAdmissionPolicies` (`HardenedClusterProps.admissionPolicies`).
 */
export interface ImdsAdmissionPoliciesOptions {
  /**
   * What happens to an object a policy rejects: `AdmissionAction.DENY`, or
   * `AdmissionAction.WARN_AND_AUDIT` while a fleet migrates from hop limit 2.
   *
   * @default AdmissionAction.DENY
   */
  readonly action?: string;
  /**
   * Namespaces whose pods may use the host network (node components that need the node's identity).
   *
   * @default ['kube-system']
   */
  readonly hostNetworkNamespaces?: string[];
}

/**
 * Properties of `ImdsAdmissionPolicies`.
 */
export interface ImdsAdmissionPoliciesProps extends ImdsAdmissionPoliciesOptions {
  /** The cluster: any aws-eks-v2 cluster with a kubectl provider (Kubernetes 1.30 or later). */
  readonly cluster: eks.ICluster;
}

/**
 * Admission guardrails that keep holding after deploy, whatever applies objects to the cluster
 * (GitOps, Helm, `kubectl apply`, another team's pipeline): `admissionregistration.k8s.io/v1`
 * ValidatingAdmissionPolicies (GA since Kubernetes 1.30; no webhook to run) and their bindings.
 *
 * - `cdk-hardened-eks-ec2nodeclass-imds` rejects an `EC2NodeClass` (`karpenter.k8s.aws`, every
 *   version) whose metadata options allow a hop limit above 1 or `httpTokens: optional`, unless the
 *   endpoint is disabled, on create and update;
 * - `cdk-hardened-eks-host-network-pods` rejects pods with `hostNetwork: true` outside
 *   `hostNetworkNamespaces` (host-network pods are zero hops from IMDS).
 *
 * The messages are the checker's rule texts (`RuleCatalogue`). Failure policy `Fail`: if the API
 * server cannot evaluate a policy, the request is refused.
 */
export class ImdsAdmissionPolicies extends Construct {
  /** The manifest holding the policies and bindings. */
  public readonly manifest: eks.KubernetesManifest;
  /** The Kubernetes objects applied, in order. */
  public readonly objects: Array<{ [key: string]: any }>;
  private readonly hostNetworkNamespaces: string[];

  constructor(scope: Construct, id: string, props: ImdsAdmissionPoliciesProps) {
    super(scope, id);
    const action = props.action ?? AdmissionAction.DENY;
    if (action !== AdmissionAction.DENY && action !== AdmissionAction.WARN_AND_AUDIT) {
      throw new HardenedEksError('InvalidAdmissionAction', this,
        `action is "${action}"; use AdmissionAction.DENY ("Deny") or AdmissionAction.WARN_AND_AUDIT ("WarnAndAudit").`);
    }
    this.hostNetworkNamespaces = [...props.hostNetworkNamespaces ?? ['kube-system']];
    // The allowlist is read at synth, so add-ons added later (allowHostNetwork) are in it.
    this.objects = imdsAdmissionObjects(action, Lazy.list({ produce: () => this.hostNetworkNamespaces }));
    this.manifest = new eks.KubernetesManifest(this, 'Manifest', { cluster: props.cluster, manifest: this.objects, overwrite: true });
  }

  /**
   * Lets the pods of a namespace use the host network (a node component that needs the node's
   * identity, e.g. the CloudWatch agent in `amazon-cloudwatch`).
   *
   * @param namespaceName the namespace
   */
  public allowHostNetwork(namespaceName: string): void {
    if (!this.hostNetworkNamespaces.includes(namespaceName)) {
      this.hostNetworkNamespaces.push(namespaceName);
    }
  }

  /** Makes `dependent` wait until the policies are in place (e.g. node classes applied after them). */
  public protect(dependent: IConstruct): void {
    dependent.node.addDependency(this.manifest);
  }
}

