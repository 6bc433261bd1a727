import { Annotations, FeatureFlags, IAspect, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { CheckerOptions } from './checker-options';
import { auditTemplate } from './engine';
import { CHECKER_NAMESPACE } from './engine/scoped-acknowledgements';
import { Finding } from './finding';
import { applyCheckerOptions, validateCheckerOptions } from './options';
import { escapeControl } from './report/escape';
import { findingSentence } from './report/sentence';
import { Severity } from './severity';
import { elementLookup, treeAuditSource } from '../private/tree-source';
import { observeWrittenTemplate, RenderedLogicalIds } from '../private/written-template';

/**
 * Options of the `ImdsHopLimitChecker` aspect.
 */
export interface ImdsHopLimitCheckerProps extends CheckerOptions {}

/**
 * A CDK Aspect that flags every launch template, launch configuration, instance, node group,
 * auto scaling group and Karpenter node class whose instance metadata hop limit can be above 1.
 *
 * It judges each resource as it will be rendered in the template, escape-hatch overrides
 * included, after every other aspect has run. Findings become annotations on the offending
 * construct (for a Kubernetes manifest, the construct that owns the kubectl resource), with the
 * rule id in the message as `[HopLimitAboveOne]`; errors fail `cdk synth`.
 *
 * Register it read-only, after mutating aspects:
 * `Aspects.of(app).add(new ImdsHopLimitChecker(), { priority: AspectPriority.READONLY })`.
 *
 * Checkers added on nested scopes do not add up: each construct is judged by the checker added
 * closest to it (a `severity: WARNING` checker on a legacy stack under an app-wide one makes that
 * stack's findings warnings, reported once).
 */
export class ImdsHopLimitChecker implements IAspect {
  private readonly options: CheckerOptions;
  /** The constructs this checker has visited (a construct whose parent it has not visited is a scope it was added to). */
  private readonly visited = new WeakSet<IConstruct>();

  constructor(props: ImdsHopLimitCheckerProps = {}) {
    validateCheckerOptions(props, 'ImdsHopLimitChecker');
    this.options = props;
  }

  public visit(node: IConstruct): void {
    // Aspects visit their scope first, then everything below it; one checker can be added to
    // several scopes (stacks, stages, apps). Which elements are in scope, and which checker is
    // closest to each, is worked out from the scopes when a finding needs it (findings are few),
    // so visiting a construct costs a set lookup and the stack test.
    const parent = node.node.scope;
    if (!parent || !this.visited.has(parent)) {
      registerScope(this, node);
      const stack = Stack.isStack(node) ? node : enclosingStack(node);
      if (stack) {
        this.observe(stack);
      }
    } else if (Stack.isStack(node)) {
      this.observe(node);
    }
    this.visited.add(node);
  }

  private observe(stack: Stack): void {
    const stacks = observedStacks(this);
    if (stacks.has(stack)) {
      return;
    }
    stacks.add(stack);
    // Judge the template the stack's synthesizer writes, as it writes it: after every aspect,
    // overrides and cross-stack references included, with no second rendering.
    observeWrittenTemplate(stack, (template, ids) => this.annotate(stack, template, ids), 'ImdsHopLimitChecker');
  }

  private annotate(stack: Stack, template: unknown, ids: RenderedLogicalIds): void {
    const elementOf = elementLookup(stack, ids);
    const findings = applyCheckerOptions(auditTemplate(template, treeAuditSource(stack, elementOf)).findings, this.options);
    if (findings.length === 0) {
      return;
    }
    // A stack trace would only point at CDK's synthesis of the stack (where every annotation of
    // the checker comes from) and capturing one per finding costs more than judging, so
    // annotations are added without one.
    const previous = process.env.CDK_DISABLE_STACK_TRACE;
    process.env.CDK_DISABLE_STACK_TRACE = '1';
    const reported: Finding[] = [];
    const judge = judgeFor(stack);
    try {
      for (const f of findings) {
        // A finding about the whole template (a macro) goes on the stack, from the checker closest to it.
        const element = f.resource === undefined ? stack : elementOf(f.resource);
        if (element && judge(element) === this) {
          annotateFinding(element, f);
          reported.push(f);
        }
      }
    } finally {
      if (previous === undefined) {
        delete process.env.CDK_DISABLE_STACK_TRACE;
      } else {
        process.env.CDK_DISABLE_STACK_TRACE = previous;
      }
    }
    showAcknowledged(stack, reported.filter((f) => f.acknowledged));
  }
}

/** Where one checker was added: its scope, for telling which constructs are its to judge. */
interface CheckerScope {
  readonly checker: ImdsHopLimitChecker;
  readonly construct: IConstruct;
  /** Depth in the tree (the closest checker, the deepest scope, wins). */
  readonly depth: number;
}

/** The checkers' scopes, per construct tree, in the order they were first visited. */
const SCOPES = new WeakMap<IConstruct, CheckerScope[]>();
/** The stacks whose templates each checker judges (the stacks of its scopes and below them). */
const OBSERVED = new WeakMap<ImdsHopLimitChecker, Set<Stack>>();

function observedStacks(checker: ImdsHopLimitChecker): Set<Stack> {
  let stacks = OBSERVED.get(checker);
  if (!stacks) {
    stacks = new Set();
    OBSERVED.set(checker, stacks);
  }
  return stacks;
}

function registerScope(checker: ImdsHopLimitChecker, construct: IConstruct): void {
  const root = construct.node.root;
  const scopes = SCOPES.get(root) ?? [];
  scopes.push({ checker, construct, depth: construct.node.scopes.length });
  SCOPES.set(root, scopes);
}

/**
 * The checker that judges `element` of `stack`: among the checkers that judge the stack's
 * template, the one added closest to the element (the deepest scope that holds it; between
 * checkers on the same scope, the first to visit). A template-level finding is judged on the
 * stack; when no such checker's scope holds the stack (they were added below it), the first
 * checker that judges the stack's template reports it. A checker whose scope holds an element
 * but that never saw the element's stack (an app's checker does not reach into a stage) does
 * not count.
 */
function judgeOf(element: IConstruct, stack: Stack, scopes = scopesJudging(stack)): ImdsHopLimitChecker | undefined {
  let best: CheckerScope | undefined;
  const ancestors = new Set(element.node.scopes);
  for (const scope of scopes) {
    if (ancestors.has(scope.construct) && (!best || scope.depth > best.depth)) {
      best = scope;
    }
  }
  if (!best && element === stack) {
    best = scopes[0];
  }
  return best?.checker;
}

/** The scopes of the checkers that judge the stack's template, in the order they were first visited. */
function scopesJudging(stack: Stack): CheckerScope[] {
  return (SCOPES.get(stack.node.root) ?? []).filter((scope) => OBSERVED.get(scope.checker)?.has(stack));
}

/**
 * `judgeOf` for the elements of one stack. When every such scope is the stack or above it (the
 * usual case: a checker on the app, a stage or the stack), the same checker judges every element,
 * worked out once; a scope inside the stack makes each element's own ancestors count.
 */
function judgeFor(stack: Stack): (element: IConstruct) => ImdsHopLimitChecker | undefined {
  const scopes = scopesJudging(stack);
  const above = new Set(stack.node.scopes);
  if (scopes.every((scope) => above.has(scope.construct))) {
    const forStack = judgeOf(stack, stack, scopes);
    // An element of the stack has the stack's ancestors, and the stack, among its own.
    return () => forStack;
  }
  return (element) => judgeOf(element, stack, scopes);
}

/** The stack a construct is in, if any (an app or a stage is in none). */
function enclosingStack(node: IConstruct): Stack | undefined {
  for (let c: IConstruct | undefined = node.node.scope; c; c = c.node.scope) {
    if (Stack.isStack(c)) {
      return c;
    }
  }
  return undefined;
}

/**
 * Acknowledged findings stay visible in a default `cdk synth`. They are info annotations, which
 * aws-cdk-lib drops from its output when `@aws-cdk/core:annotationsInValidationReport` is on (as in
 * every app `cdk init` makes); then they are printed on stderr, once per stack, with their reasons.
 */
function showAcknowledged(stack: Stack, acknowledged: Finding[]): void {
  if (acknowledged.length === 0 || !FeatureFlags.of(stack).isEnabled(ANNOTATIONS_IN_VALIDATION_REPORT)) {
    return;
  }
  const lines = acknowledged.map((f) =>
    `  [${f.ruleId}] ${escapeControl(f.constructPath ?? f.resource ?? stack.node.path)}${f.kubernetesObject ? ` ${escapeControl(f.kubernetesObject)}` : ''}: ` +
    `${escapeControl(f.acknowledgedReason ?? '')}`);
  process.stderr.write(`cdk-hardened-eks: ${acknowledged.length} acknowledged IMDS finding(s) in ${stack.node.path} (not failing synth):\n${lines.join('\n')}\n`);
}

const ANNOTATIONS_IN_VALIDATION_REPORT = '@aws-cdk/core:annotationsInValidationReport';

function annotateFinding(element: IConstruct, f: Finding): void {
  const text = formatAnnotation(f);
  // An object inside a manifest is reported on the construct that owns the kubectl resource
  // (e.g. the KubernetesManifest), not on the custom resource's inner L1.
  const target = f.kubernetesObject ? owner(element) : element;
  if (f.acknowledged) {
    Annotations.of(target).addInfo(text);
  } else if (f.severity === Severity.ERROR) {
    Annotations.of(target).addError(text);
  } else {
    // The id `cdk synth` prints for it is the one the validation plugin's findings carry.
    Annotations.of(target).addWarningV2(`${CHECKER_NAMESPACE}::${f.ruleId}`, text);
  }
}

/** The outermost construct whose default child is `element` or a wrapper of it. */
function owner(element: IConstruct): IConstruct {
  let current: IConstruct = element;
  let parent = current.node.scope;
  while (parent && !Stack.isStack(parent) && (parent.node.defaultChild === current || parent.node.defaultChild === element)) {
    current = parent;
    parent = current.node.scope;
  }
  return current;
}

/** `[RuleId] Kind/name: message Fix: ...` (and the reason, when acknowledged). */
function formatAnnotation(f: Finding): string {
  return `[${f.ruleId}] ${findingSentence(f)}${f.acknowledged ? '' : ` Fix: ${f.fix}`}`;
}
