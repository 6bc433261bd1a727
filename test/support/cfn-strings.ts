// Test helpers: read the JSON strings the Karpenter constructs write into templates (IAM policy
// documents, Helm values, manifests), whose CloudFormation references become readable placeholders:
// `{ Ref: 'X' }` -> `<X>`, `{ 'Fn::GetAtt': ['X', 'Arn'] }` -> `<X.Arn>`.
import { Template } from 'aws-cdk-lib/assertions';

/** A CloudFormation string value (literal, Ref, GetAtt, Join) as text with placeholders. */
export function cfnText(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  const v = value as Record<string, any>;
  if (v.Ref !== undefined) {
    return `<${v.Ref}>`;
  }
  if (v['Fn::GetAtt'] !== undefined) {
    return `<${v['Fn::GetAtt'].join('.')}>`;
  }
  if (v['Fn::Join'] !== undefined) {
    const [separator, parts] = v['Fn::Join'];
    return (parts as unknown[]).map(cfnText).join(separator);
  }
  throw new Error(`cannot read ${JSON.stringify(value)} as text`);
}

/**
 * A JSON document, parsed, with references as placeholders: written as a CloudFormation string
 * (JSON text, possibly joined around references), or as an object whose leaves may be references.
 */
export function cfnJson(value: unknown): any {
  if (typeof value === 'string' || isIntrinsic(value)) {
    return JSON.parse(cfnText(value));
  }
  return readLeaves(value);
}

const INTRINSICS = ['Ref', 'Fn::GetAtt', 'Fn::Join'];

function isIntrinsic(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) &&
    Object.keys(value).length === 1 && INTRINSICS.includes(Object.keys(value)[0]);
}

/** An object document with every reference leaf turned into its placeholder text. */
function readLeaves(value: unknown): any {
  if (Array.isArray(value)) {
    return value.map(readLeaves);
  }
  if (isIntrinsic(value)) {
    return cfnText(value);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readLeaves(v)]));
  }
  return value;
}

/** An IAM policy statement as IAM reads it. */
export interface IamStatement {
  readonly Sid: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** Every `AWS::IAM::ManagedPolicy` of a template: logical id, description, statements. */
export function managedPolicies(template: Template): Array<{ id: string; description: string; roles: unknown; statements: IamStatement[] }> {
  return Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).map(([id, r]: [string, any]) => ({
    id,
    description: r.Properties.Description,
    roles: r.Properties.Roles,
    statements: cfnJson(r.Properties.PolicyDocument).Statement,
  }));
}

/** The statements of every managed policy, by Sid. */
export function statementsBySid(template: Template): Map<string, IamStatement> {
  const result = new Map<string, IamStatement>();
  for (const policy of managedPolicies(template)) {
    for (const statement of policy.statements) {
      if (result.has(statement.Sid)) {
        throw new Error(`duplicate Sid ${statement.Sid}`);
      }
      result.set(statement.Sid, statement);
    }
  }
  return result;
}

/** A value that may be a string or a list, as a list. */
export function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
