import { AddonIdentityOptions } from './addon-options';

/**
 * Options of an EKS managed add-on installed with its own Pod Identity (`EfsCsiDriver`,
 * `CloudWatchObservability`).
 */
export interface ManagedAddonOptions extends AddonIdentityOptions {
  /**
   * The add-on version (`vX.Y.Z-eksbuild.N`). It must be one that supports Pod Identity (the
   * construct refuses older ones); which builds exist for a Kubernetes version only the EKS API
   * knows (`aws eks describe-addon-versions`).
   *
   * @default - the version EKS installs by default for the cluster's Kubernetes version
   */
  readonly version?: string;
  /**
   * The add-on's configuration (`ConfigurationValues`), as the add-on's configuration schema
   * (`aws eks describe-addon-configuration`) describes it.
   *
   * @default - the add-on's defaults
   */
  readonly configurationValues?: { [key: string]: any };
}
