import { CfnElement, NestedStack, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { AuditSource, ByLogicalId } from '../checks/engine/result';
import { ScopedAcknowledgements } from '../checks/engine/scoped-acknowledgements';

/**
 * What the construct tree knows about a stack's template beyond the template itself: the construct
 * path of each logical id, and the acknowledgements made with `Validations.of(scope).acknowledge()`
 * on the stack, its constructs and its ancestors (the app, a stage).
 *
 * Each part is worked out the first time the engine asks for it (the engine asks only about
 * resources with findings, and about nested stack resources), so a stack without findings costs
 * no walk of the tree.
 *
 * @param constructs the stack's elements by logical id, when already collected
 */
export function treeAuditSource(stack: Stack, constructs?: () => ReadonlyMap<string, IConstruct>): AuditSource {
  const byId = once(() => constructs?.() ?? stackElements(stack));
  // Paths and types are looked up only for resources with findings: worked out per logical id.
  const constructPaths = lookup(byId, (c) => c.node.path);
  const constructTypes = lookup(byId, (c) => {
    const owner = c.node.scope;
    return owner && owner.node.defaultChild === c ? jsiiFqn(owner) : undefined;
  });
  const metadata = once(() => {
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
    return { nestedStacks, scopedAcknowledgements: ScopedAcknowledgements.fromMetadataEntries(entries) };
  });
  return {
    stack: stack.node.path,
    constructPaths,
    constructTypes,
    get nestedStacks() {
      return metadata().nestedStacks;
    },
    get scopedAcknowledgements() {
      return metadata().scopedAcknowledgements;
    },
  };
}

/** A lookup over the stack's elements that works out (and remembers) each value when asked. */
function lookup(byId: () => ReadonlyMap<string, IConstruct>, value: (c: IConstruct) => string | undefined): ByLogicalId {
  const known = new Map<string, string | undefined>();
  return {
    get: (id: string) => {
      if (!known.has(id)) {
        const c = byId().get(id);
        known.set(id, c === undefined ? undefined : value(c));
      }
      return known.get(id);
    },
  };
}

/** `make()`, called on first use and remembered. */
export function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

const JSII_RTTI = Symbol.for('jsii.rtti');

/** The jsii type of a construct (`aws-cdk-lib.aws_ec2.LaunchTemplate`), as every jsii class records it. */
function jsiiFqn(construct: IConstruct): string | undefined {
  const rtti = (construct.constructor as unknown as { [JSII_RTTI]?: { fqn?: string } })[JSII_RTTI];
  return typeof rtti?.fqn === 'string' ? rtti.fqn : undefined;
}

/** The stack's own elements (not those of its nested stacks) by logical id. */
export function stackElements(stack: Stack): Map<string, IConstruct> {
  const result = new Map<string, IConstruct>();
  for (const c of stack.node.findAll()) {
    if (CfnElement.isCfnElement(c) && c.stack === stack) {
      result.set(logicalIdOf(stack, c), c);
    }
  }
  return result;
}

/**
 * The logical id of an element, as `stack.resolve(element.logicalId)` gives it. That token's only
 * producer is the element's `_synthesizeLogicalId()` (its override, else `stack.getLogicalId()`),
 * called here directly: the token machinery around it cost most of the lookup when thousands of
 * resources have findings. An aws-cdk-lib without the method, or an id that is itself a token,
 * goes the public way.
 */
export function logicalIdOf(stack: Stack, element: CfnElement): string {
  const synthesize = (element as unknown as { _synthesizeLogicalId?: () => unknown })._synthesizeLogicalId;
  if (typeof synthesize === 'function') {
    const id = synthesize.call(element);
    if (typeof id === 'string' && !Token.isUnresolved(id)) {
      return id;
    }
  }
  return stack.resolve(element.logicalId) as string;
}
