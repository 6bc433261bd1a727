import { CfnElement, CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { hasWorkloadRoles, WORKLOAD_POLICY_TYPES } from '../checks/engine/identity-index';
import { READ_TYPES } from '../checks/engine/template';

/** A stack's template as it will be written, plus the construct behind each logical id. */
export interface RenderedStack {
  readonly template: { [section: string]: { [id: string]: unknown } };
  readonly constructs: Map<string, IConstruct>;
}

interface RenderableElement {
  _toCloudFormation(): object;
}

/**
 * Renders the parts of a stack's template the engine reads, exactly as the stack synthesizer
 * will write them: escape hatches (`addOverride`, `addPropertyOverride`) applied, tokens resolved.
 *
 * There is no public API for a stack's rendered template before the cloud assembly is written,
 * and the aspect must annotate constructs before then, so this calls `CfnElement._toCloudFormation()`
 * (the method `Stack` itself uses to build the template) in this one place.
 */
export function renderStack(stack: Stack): RenderedStack {
  const template: { [section: string]: { [id: string]: unknown } } = {};
  const constructs = new Map<string, IConstruct>();
  // Every other resource is rendered as `{ Type }` only, so the checker costs little in stacks
  // with many unrelated resources.
  const deferred: CfnElement[] = [];
  for (const construct of stack.node.findAll()) {
    if (!CfnElement.isCfnElement(construct) || construct.stack !== stack) {
      continue;
    }
    const logicalId = stack.resolve(construct.logicalId) as string;
    constructs.set(logicalId, construct);
    if (CfnResource.isCfnResource(construct) && !READ_TYPES.has(construct.cfnResourceType)) {
      section(template, 'Resources')[logicalId] = { Type: construct.cfnResourceType };
      if (WORKLOAD_POLICY_TYPES.includes(construct.cfnResourceType)) {
        deferred.push(construct);
      }
      continue;
    }
    renderInto(template, stack, construct);
  }
  // Everything a role's trust depends on (roles, OIDC providers, CfnJson values) is rendered by now.
  if (deferred.length > 0 && hasWorkloadRoles(template)) {
    for (const construct of deferred) {
      renderInto(template, stack, construct);
    }
  }
  // Stack._toCloudFormation() resolves the merged template once more, which drops the undefined
  // entries a first resolve leaves in arrays (e.g. Fn.findInMap's absent default inside an
  // Fn.join). Dropping them here is what that second pass changes, at a fraction of its cost, so
  // findings quote values exactly as the template will be written.
  // Macros the stack declares rewrite it at deploy time: the engine says so.
  const transforms = stack.templateOptions.transforms;
  const rendered = dropUndefinedEntries(template) as RenderedStack['template'];
  if (transforms && transforms.length > 0) {
    const written = (rendered as Record<string, unknown>).Transform;
    (rendered as Record<string, unknown>).Transform = [...new Set([...(written === undefined ? [] : [written].flat()), ...transforms])];
  }
  return { template: rendered, constructs };
}

/** Renders one element into the template, as the stack synthesizer will write it. */
function renderInto(template: { [section: string]: { [id: string]: unknown } }, stack: Stack, construct: CfnElement): void {
  const element = construct as unknown as Partial<RenderableElement>;
  if (typeof element._toCloudFormation !== 'function') {
    throw new Error(
      `cdk-hardened-eks cannot render ${construct.node.path}: this aws-cdk-lib version has no CfnElement._toCloudFormation(). ` +
      'Use the validation plugin (ImdsHopLimitValidationPlugin) or the audit CLI on cdk.out instead.',
    );
  }
  const fragment = stack.resolve(element._toCloudFormation()) as { [section: string]: { [id: string]: unknown } };
  for (const [name, entries] of Object.entries(fragment ?? {})) {
    if (entries !== null && typeof entries === 'object' && !Array.isArray(entries)) {
      Object.assign(section(template, name), entries);
    } else {
      // A section that is not a map of entries (`Transform: AWS::LanguageExtensions`, as CfnInclude writes it).
      (template as Record<string, unknown>)[name] = entries;
    }
  }
}

function dropUndefinedEntries(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.filter((v) => v !== undefined).map(dropUndefinedEntries);
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      (value as Record<string, unknown>)[k] = dropUndefinedEntries(v);
    }
  }
  return value;
}

function section(template: { [section: string]: { [id: string]: unknown } }, name: string) {
  return (template[name] ??= {});
}
