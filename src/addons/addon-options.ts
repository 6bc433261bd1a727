/**
 * Options every add-on of this library takes: the Pod Identity agent its identity needs.
 */
export interface AddonIdentityOptions {
  /**
   * Whether to make sure the `eks-pod-identity-agent` add-on exists, without which the add-on's
   * Pod Identity association hands out no credentials (see `PodIdentityOptions.podIdentityAgent`).
   *
   * @default true
   */
  readonly podIdentityAgent?: boolean;
}

/**
 * Options of the add-ons installed from Helm charts: their identity, and where their controllers run.
 */
export interface AddonOptions extends AddonIdentityOptions {
  /**
   * Node labels the add-on's controller pods must match.
   *
   * @default - the system node group (`SystemNodeGroup.ROLE_LABEL: system`) on a `HardenedCluster`,
   * so add-on controllers never wait for Karpenter capacity; no selector on other clusters
   */
  readonly nodeSelector?: { [key: string]: string };
}
