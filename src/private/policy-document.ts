import { Stack, Token } from 'aws-cdk-lib';

/**
 * The value to give an L1's `PolicyDocument`: the document itself (an object) whenever that can be
 * written, the document as JSON text only when it must be.
 *
 * CloudFormation object keys cannot be intrinsics, and IAM condition keys sometimes hold a
 * deploy-time value (`aws:RequestTag/kubernetes.io/cluster/<cluster name>` with a generated cluster
 * name). Such a document is written as JSON text built with `Fn::Join` (the form Karpenter's own
 * template writes with `!Sub`), which CloudFormation parses. Every other document stays an object,
 * also when the stack's account, region and partition are literals (an app made by `cdk init` with
 * an explicit `env`): `Stack.toJsonString` then returns plain text, which the L1 refuses.
 */
export function policyDocumentValue(stack: Stack, document: object): unknown {
  return hasTokenKey(document) ? stack.toJsonString(document) : document;
}

/** Whether any object key, at any depth, is a token. */
function hasTokenKey(value: unknown): boolean {
  if (Array.isArray(value)) {
    return value.some(hasTokenKey);
  }
  if (value === null || typeof value !== 'object') {
    return false;
  }
  return Object.entries(value).some(([key, v]) => Token.isUnresolved(key) || hasTokenKey(v));
}
