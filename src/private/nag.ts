import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { acknowledgeRule } from './compat';

/**
 * Acknowledges an AWS Solutions (cdk-nag) finding on a construct of ours, with the reason a
 * reviewer needs. Uses CDK's native acknowledgements, so the library does not depend on cdk-nag
 * and users who run it see the reason in the report.
 */
export function acknowledgeAwsSolutions(scope: IConstruct, finding: string, reason: string): void {
  acknowledgeRule(scope, `AwsSolutions::${finding}`, reason);
  // cdk-nag names a finding by the rendered value: with a literal partition, region or account (an
  // explicit env under @aws-cdk/core:enablePartitionLiterals) the placeholders are literals there too.
  const stack = Stack.of(scope);
  const literal = finding
    .replace(/<AWS::Partition>/g, (p) => (Token.isUnresolved(stack.partition) ? p : stack.partition))
    .replace(/<AWS::Region>/g, (p) => (Token.isUnresolved(stack.region) ? p : stack.region))
    .replace(/<AWS::AccountId>/g, (p) => (Token.isUnresolved(stack.account) ? p : stack.account));
  if (literal !== finding) {
    acknowledgeRule(scope, `AwsSolutions::${literal}`, reason);
  }
}

/** The cdk-nag finding id of an AWS managed policy (`AwsSolutions-IAM4[Policy::...]`). */
export function managedPolicyFinding(path: string): string {
  return `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${path}]`;
}

/** Node roles: the AWS managed policies EKS nodes are documented with, narrowest available. */
export function acknowledgeNodeRolePolicies(role: IConstruct): void {
  acknowledgeAwsSolutions(role, managedPolicyFinding('AmazonEKSWorkerNodePolicy'),
    'EKS requires AmazonEKSWorkerNodePolicy on node roles; AWS maintains it as EKS evolves.');
  acknowledgeAwsSolutions(role, managedPolicyFinding('AmazonEC2ContainerRegistryPullOnly'),
    'The narrowest AWS managed ECR policy (pull only, no repository inventory), the one EKS recommends for nodes.');
  acknowledgeAwsSolutions(role, managedPolicyFinding('AmazonSSMManagedInstanceCore'),
    'Session Manager access to nodes instead of SSH keys and open ports; pods cannot use it (IMDS hop limit 1).');
}
