import { vendoredJson } from './vendored';

/**
 * The controller's official policy (vendored), with `arn:aws:` written for the stack's partition.
 *
 * @param partition the partition to write into the ARNs
 */
export function loadBalancerControllerPolicy(partition: string): any {
  const document = vendoredJson('aws-load-balancer-controller/iam_policy.json');
  const withPartition = (v: unknown): unknown =>
    typeof v === 'string' ? v.replace(/^arn:aws:/, `arn:${partition}:`) : Array.isArray(v) ? v.map(withPartition) : v;
  for (const statement of document.Statement) {
    if (statement.Resource !== undefined) {
      statement.Resource = withPartition(statement.Resource);
    }
  }
  return document;
}

