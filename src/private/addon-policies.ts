import { vendoredJson } from './vendored';

/**
 * An add-on's official policy (vendored under `vendor/`), with `arn:aws:` written for the stack's
 * partition.
 *
 * @param file path under `vendor/`, e.g. `aws-load-balancer-controller/iam_policy.json`
 * @param partition the partition to write into the ARNs
 */
export function vendoredPolicy(file: string, partition: string): any {
  const document = vendoredJson(file);
  const withPartition = (v: unknown): unknown =>
    typeof v === 'string' ? v.replace(/^arn:aws:/, `arn:${partition}:`) : Array.isArray(v) ? v.map(withPartition) : v;
  for (const statement of document.Statement) {
    if (statement.Resource !== undefined) {
      statement.Resource = withPartition(statement.Resource);
    }
  }
  return document;
}

const ZONE_WILDCARD = /^arn:[^:]+:route53:::hostedzone\/\*$/;

/** A vendored Route 53 policy with its `hostedzone/*` resources narrowed to the given zones' ARNs. */
export function narrowedToZones(document: any, zoneArns: string[]): any {
  for (const statement of document.Statement) {
    statement.Resource = [statement.Resource].flat().flatMap((r: string) => (ZONE_WILDCARD.test(r) ? zoneArns : [r]));
  }
  return document;
}
