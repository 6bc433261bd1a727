import { IssueCollector } from './issues';
import { reasonOf } from './metadata-options';
import { Candidate, isPlainObject, own, TemplateContext } from './values';
import { RuleId } from '../rules';

const LAUNCH_TEMPLATE = 'AWS::EC2::LaunchTemplate';
const LAUNCH_CONFIGURATION = 'AWS::AutoScaling::LaunchConfiguration';

/** Key names of a launch template specification, which differ between resource types. */
export interface SpecKeys {
  readonly id: string;
  readonly name: string;
}

/** `AWS::EKS::Nodegroup.LaunchTemplate` */
export const NODEGROUP_SPEC: SpecKeys = { id: 'Id', name: 'Name' };
/** `AWS::AutoScaling::AutoScalingGroup` and `AWS::EC2::Instance` launch template specifications. */
export const EC2_SPEC: SpecKeys = { id: 'LaunchTemplateId', name: 'LaunchTemplateName' };

/**
 * Follows a launch template specification to a launch template. A launch template in the same
 * template carries its own findings, so the referencing resource gets none; a reference the
 * engine cannot follow is `Unverifiable` on the referencing resource.
 */
export function followLaunchTemplate(ctx: TemplateContext, spec: Candidate[], keys: SpecKeys, path: string, issues: IssueCollector): void {
  for (const s of spec) {
    if (s.kind !== 'known') {
      issues.unknown(RuleId.HOP_LIMIT_ABOVE_ONE, path, 'the launch template specification', `is only known at deploy time: ${reasonOf(s)}`);
      continue;
    }
    if (!isPlainObject(s.value)) {
      issues.unknown(RuleId.HOP_LIMIT_ABOVE_ONE, path, 'the launch template specification', 'is not an object');
      continue;
    }
    const ids = ctx.field([s], keys.id).filter((c) => c.kind !== 'absent');
    const names = ctx.field([s], keys.name).filter((c) => c.kind !== 'absent');
    if (ids.length === 0 && names.length === 0) {
      issues.unknown(RuleId.HOP_LIMIT_ABOVE_ONE, path, 'the launch template specification', `names no launch template (neither ${keys.id} nor ${keys.name})`);
      continue;
    }
    // A name written with the same expression as an in-file launch template's name (eksctl's
    // `!Sub "${AWS::StackName}"` on both) is that launch template, whatever the expression yields.
    const rawName = own(s.value, keys.name);
    if (typeof rawName === 'object' && rawName !== null && namesIndex(ctx, LAUNCH_TEMPLATE, 'LaunchTemplateName').has(canonical(rawName))) {
      continue;
    }
    // An id is assigned by EC2: only a Ref / Fn::GetAtt can point into this template. A name can
    // also match a launch template's literal LaunchTemplateName.
    for (const id of ids) {
      judgeTarget(ctx, id, `${path}.${keys.id}`, 'launch template', LAUNCH_TEMPLATE, undefined, issues);
    }
    for (const name of names) {
      judgeTarget(ctx, name, `${path}.${keys.name}`, 'launch template', LAUNCH_TEMPLATE, 'LaunchTemplateName', issues);
    }
  }
}

/** Follows `AWS::AutoScaling::AutoScalingGroup.LaunchConfigurationName`. */
export function followLaunchConfiguration(ctx: TemplateContext, name: Candidate[], path: string, issues: IssueCollector): void {
  for (const n of name) {
    judgeTarget(ctx, n, path, 'launch configuration', LAUNCH_CONFIGURATION, 'LaunchConfigurationName', issues);
  }
}

/**
 * @param nameProperty the target's name property when `target` may be a literal name; undefined
 * when it is an id (which no literal in this template can be)
 */
function judgeTarget(
  ctx: TemplateContext, target: Candidate, path: string, what: string, type: string, nameProperty: string | undefined, issues: IssueCollector,
): void {
  const subject = `the ${what}`;
  if (target.kind === 'ref') {
    if (ctx.resourceType(target.logicalId) === type) {
      return; // judged on its own
    }
    issues.unknown(RuleId.HOP_LIMIT_ABOVE_ONE, path, subject, `refers to ${target.logicalId}, which is not an ${type}`);
    return;
  }
  if (target.kind === 'known' && typeof target.value === 'string') {
    if (nameProperty && findByName(ctx, type, nameProperty, target.value)) {
      return;
    }
    issues.unknown(RuleId.HOP_LIMIT_ABOVE_ONE, path, subject,
      `${JSON.stringify(target.value)} is not defined in this template, so its metadata options cannot be checked`);
    return;
  }
  issues.unknown(RuleId.HOP_LIMIT_ABOVE_ONE, path, subject, `is only known at deploy time: ${reasonOf(target)}`);
}

/** A resource of `type` whose name property is literally `name`. */
function findByName(ctx: TemplateContext, type: string, nameProperty: string, name: string): string | undefined {
  return namesIndex(ctx, type, nameProperty).get(canonical(name));
}

const INDEXES = new WeakMap<TemplateContext, Map<string, Map<string, string>>>();

/**
 * The resources of `type` by name, built once per template (a lookup is then constant time, not a
 * scan of every resource): each literal value the name property can take, and the name's raw
 * expression, both in canonical JSON.
 */
function namesIndex(ctx: TemplateContext, type: string, nameProperty: string): Map<string, string> {
  let byType = INDEXES.get(ctx);
  if (!byType) {
    byType = new Map();
    INDEXES.set(ctx, byType);
  }
  const key = `${type}\u0000${nameProperty}`;
  let index = byType.get(key);
  if (!index) {
    index = new Map();
    for (const [logicalId, resource] of ctx.resourcesOfType(type)) {
      const raw = own(resource.Properties, nameProperty);
      if (raw === undefined) {
        continue;
      }
      for (const c of ctx.evaluate(raw)) {
        if (c.kind === 'known' && typeof c.value === 'string' && !index.has(canonical(c.value))) {
          index.set(canonical(c.value), logicalId);
        }
      }
      if (typeof raw === 'object' && raw !== null && !index.has(canonical(raw))) {
        index.set(canonical(raw), logicalId);
      }
    }
    byType.set(key, index);
  }
  return index;
}

/** JSON with object keys sorted, so two equal expressions have one text. */
function canonical(value: unknown): string {
  const sorted = (v: Record<string, unknown>) => Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify(value, (_k, v) => (isPlainObject(v) ? sorted(v) : v));
}
