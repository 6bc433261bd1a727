import { CfnElement, NestedStack, Stack, Token } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { renderedElement, RenderedLogicalIds } from './written-template';
import { AuditSource, ByLogicalId } from '../checks/engine/result';
import {
  acknowledgedRules, NATIVE_ACKNOWLEDGEMENT_METADATA, normalizeConstructPath, ScopedAcknowledgementLookup, ScopedAcknowledgements,
} from '../checks/engine/scoped-acknowledgements';

/**
 * What the construct tree knows about a stack's template beyond the template itself: the construct
 * path of each logical id, and the acknowledgements made with `Validations.of(scope).acknowledge()`
 * on the stack, its constructs and its ancestors (the app, a stage).
 *
 * Each part is worked out the first time the engine asks for it (the engine asks only about
 * resources with findings, and about nested stack resources), so a stack without findings costs
 * no walk of the tree.
 *
 * @param elementOf the stack's element with a logical id, when the caller has a lookup
 */
export function treeAuditSource(stack: Stack, elementOf?: ElementLookup): AuditSource {
  const byId = elementOf ?? elementLookup(stack);
  // Paths and types are looked up only for resources with findings: worked out per logical id.
  // The element at each path given out is remembered, for its acknowledgements (TreeAcknowledgements).
  const elementsByPath = new Map<string, IConstruct>();
  const constructPaths = lookup(byId, (c) => {
    const constructPath = c.node.path;
    elementsByPath.set(constructPath, c);
    return constructPath;
  });
  const constructTypes = lookup(byId, (c) => {
    const owner = c.node.scope;
    return owner && owner.node.defaultChild === c ? jsiiFqn(owner) : undefined;
  });
  // The stack's nested stacks are stacks of this app: the aspect (and ImdsAudit) judge them too.
  // Asked only about AWS::CloudFormation::Stack resources.
  const nestedStacks = once(() => {
    const ids = new Set<string>();
    for (const c of stack.node.findAll()) {
      if (c !== stack && NestedStack.isNestedStack(c) && c.nestedStackParent === stack && c.nestedStackResource) {
        ids.add(stack.resolve(c.nestedStackResource.logicalId));
      }
    }
    return ids;
  });
  const scopedAcknowledgements = new TreeAcknowledgements(stack, elementsByPath);
  return {
    stack: stack.node.path,
    constructPaths,
    constructTypes,
    get nestedStacks() {
      return nestedStacks();
    },
    scopedAcknowledgements,
  };
}

/**
 * The acknowledgements made with `Validations.of(scope).acknowledge()` that apply at a construct
 * path, read from the constructs along that path only (from the app down, as far as the tree has
 * them): an acknowledgement applies to its construct and everything below it, so no other
 * construct's metadata matters. Only the stack, its ancestors and the constructs below it count.
 *
 * The path of one of the stack's elements (as the source's `constructPaths` gave it out) is
 * answered from the element's scopes, each construct's acknowledgements merged with its parent's
 * once and remembered (the resources with findings are mostly siblings: a lookup is one step up to
 * a known construct). Any other path (one read from a template's `aws:cdk:path`) is walked from the
 * app down; there too each construct's metadata is read once, and the walk to a path's parent is
 * made once per parent.
 */
class TreeAcknowledgements implements ScopedAcknowledgementLookup {
  private readonly records = new ScopedAcknowledgements();
  private readonly read = new Set<IConstruct>();
  private readonly stackAndAncestors: ReadonlySet<IConstruct>;
  /** The construct at each parent path walked to (null where the tree has none), and whether it is the stack or below it. */
  private readonly parents = new Map<string, { construct: IConstruct; inStack: boolean } | null>();
  /** The acknowledgements that apply at each construct of an element's scopes (shared: copied when given out). */
  private readonly along = new Map<IConstruct, ReadonlyMap<string, string>>();

  /** @param elements the stack's own elements, by the paths the source gave out for them */
  constructor(private readonly stack: Stack, private readonly elements: ReadonlyMap<string, IConstruct> = new Map()) {
    this.stackAndAncestors = new Set(stack.node.scopes);
  }

  public forPath(constructPath: string | undefined): Map<string, string> {
    if (constructPath === undefined) {
      return new Map();
    }
    const element = this.elements.get(constructPath);
    if (element) {
      return new Map(this.alongScopes(element));
    }
    const at = normalizeConstructPath(constructPath);
    const slash = at.lastIndexOf('/');
    const parentPath = slash === -1 ? '' : at.slice(0, slash);
    let parent = this.parents.get(parentPath);
    if (parent === undefined) {
      parent = this.walk(parentPath);
      this.parents.set(parentPath, parent);
    }
    if (parent && at !== '') {
      const leaf = childOf(parent.construct, at.slice(slash + 1));
      if (leaf) {
        this.visit(leaf, parent.inStack || leaf === this.stack);
      }
    }
    return this.records.forPath(at);
  }

  /**
   * Walks from the app down a path, reading each construct's records on the way; the construct at
   * the path, or null where the tree ends first (the walk is bounded by the tree's depth, whatever
   * the path's length).
   */
  private walk(parentPath: string): { construct: IConstruct; inStack: boolean } | null {
    let c: IConstruct = this.stack.node.root;
    let inStack = c === this.stack;
    this.visit(c, inStack);
    if (parentPath === '') {
      return { construct: c, inStack };
    }
    for (const part of parentPath.split('/')) {
      const child = childOf(c, part);
      if (!child) {
        return null;
      }
      c = child;
      inStack ||= c === this.stack;
      this.visit(c, inStack);
    }
    return { construct: c, inStack };
  }

  /**
   * The acknowledgements that apply at one of the stack's elements: its scopes' records, the
   * nearest winning. Every scope counts (an element of the stack has the stack, its ancestors and
   * constructs below the stack as scopes). Iterative; each construct is merged once.
   */
  private alongScopes(element: IConstruct): ReadonlyMap<string, string> {
    const unmerged: IConstruct[] = [];
    let base: ReadonlyMap<string, string> = NONE;
    for (let c: IConstruct | undefined = element; c; c = c.node.scope) {
      const known = this.along.get(c);
      if (known) {
        base = known;
        break;
      }
      unmerged.push(c);
    }
    for (let i = unmerged.length - 1; i >= 0; i--) {
      const c = unmerged[i];
      for (const m of c.node.metadata) {
        if (m.type === NATIVE_ACKNOWLEDGEMENT_METADATA) {
          const rules = acknowledgedRules(m.data);
          if (rules.length > 0) {
            const merged = new Map(base);
            for (const [rule, reason] of rules) {
              merged.set(rule, reason);
            }
            base = merged;
          }
        }
      }
      this.along.set(c, base);
    }
    return base;
  }

  /** Reads a construct's acknowledgement records, once, if it counts for this stack. */
  private visit(c: IConstruct, inStack: boolean): void {
    if (this.read.has(c)) {
      return;
    }
    this.read.add(c);
    if (inStack || this.stackAndAncestors.has(c)) {
      for (const m of c.node.metadata) {
        if (m.type === NATIVE_ACKNOWLEDGEMENT_METADATA) {
          this.records.addRecord(c.node.path, m.data);
        }
      }
    }
  }
}

/**
 * The child of `c` with id `id`, if any. The check is not redundant: the tree keeps children in a
 * plain object, where `tryFindChild('__proto__')` finds `Object.prototype`, and a path read from a
 * template is input.
 */
function childOf(c: IConstruct, id: string): IConstruct | undefined {
  const child: unknown = c.node.tryFindChild(id);
  return Construct.isConstruct(child) && child.node.scope === c ? child : undefined;
}

/** A lookup over the stack's elements that works out (and remembers) each value when asked. */
function lookup(byId: ElementLookup, value: (c: IConstruct) => string | undefined): ByLogicalId {
  const known = new Map<string, string | undefined>();
  return {
    get: (id: string) => {
      if (!known.has(id)) {
        const c = byId(id);
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

const NONE: ReadonlyMap<string, string> = new Map();

/** The stack's element with a logical id (not one of its nested stacks' elements), if any. */
export type ElementLookup = (logicalId: string) => CfnElement | undefined;

/**
 * The stack's elements by logical id. With `rendered`, the ids the stack's rendering allocated
 * (see `renderedElement`) answer first, so that ids are not allocated a second time for every
 * element of the stack; an id not among them (an overridden one) is looked up in the map
 * of every element, made the first time it is needed.
 */
export function elementLookup(stack: Stack, rendered?: RenderedLogicalIds): ElementLookup {
  const all = once(() => stackElements(stack));
  return (logicalId) => (rendered && renderedElement(stack, rendered, logicalId)) ?? all().get(logicalId);
}

/** The stack's own elements (not those of its nested stacks) by logical id. */
export function stackElements(stack: Stack): Map<string, CfnElement> {
  const result = new Map<string, CfnElement>();
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
