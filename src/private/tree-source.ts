import { CfnElement, NestedStack, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { AuditSource } from '../checks/engine/result';
import { ScopedAcknowledgements } from '../checks/engine/scoped-acknowledgements';

/**
 * What the construct tree knows about a stack's template beyond the template itself: the construct
 * path of each logical id, and the acknowledgements made with `Validations.of(scope).acknowledge()`
 * on the stack, its constructs and its ancestors (the app, a stage).
 *
 * @param constructs the stack's elements by logical id, when already collected
 */
export function treeAuditSource(stack: Stack, constructs?: ReadonlyMap<string, IConstruct>): AuditSource {
  const byId = constructs ?? elementsOf(stack);
  const constructPaths = new Map<string, string>();
  const constructTypes = new Map<string, string>();
  for (const [logicalId, c] of byId) {
    constructPaths.set(logicalId, c.node.path);
    const owner = c.node.scope;
    const fqn = owner && owner.node.defaultChild === c ? jsiiFqn(owner) : undefined;
    if (fqn) {
      constructTypes.set(logicalId, fqn);
    }
  }
  const entries: Array<{ path: string; type: unknown; data: unknown }> = [];
  const visit = (c: IConstruct) => {
    for (const m of c.node.metadata) {
      entries.push({ path: c.node.path, type: m.type, data: m.data });
    }
  };
  stack.node.scopes.forEach(visit);
  // The stack's nested stacks are stacks of this app: the aspect (and ImdsAudit) judge them too.
  const nestedStacks = new Set<string>();
  for (const c of stack.node.findAll()) {
    if (c === stack) {
      continue;
    }
    visit(c);
    if (NestedStack.isNestedStack(c) && c.nestedStackParent === stack && c.nestedStackResource) {
      nestedStacks.add(stack.resolve(c.nestedStackResource.logicalId));
    }
  }
  return {
    stack: stack.node.path,
    constructPaths,
    constructTypes,
    nestedStacks,
    scopedAcknowledgements: ScopedAcknowledgements.fromMetadataEntries(entries),
  };
}

const JSII_RTTI = Symbol.for('jsii.rtti');

/** The jsii type of a construct (`aws-cdk-lib.aws_ec2.LaunchTemplate`), as every jsii class records it. */
function jsiiFqn(construct: IConstruct): string | undefined {
  const rtti = (construct.constructor as unknown as { [JSII_RTTI]?: { fqn?: string } })[JSII_RTTI];
  return typeof rtti?.fqn === 'string' ? rtti.fqn : undefined;
}

function elementsOf(stack: Stack): Map<string, IConstruct> {
  const result = new Map<string, IConstruct>();
  for (const c of stack.node.findAll()) {
    if (CfnElement.isCfnElement(c) && c.stack === stack) {
      result.set(stack.resolve(c.logicalId) as string, c);
    }
  }
  return result;
}
