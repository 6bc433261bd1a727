import { Annotations, CfnElement, FeatureFlags, IAspect, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { CheckerOptions } from './checker-options';
import { auditTemplate } from './engine';
import { CHECKER_NAMESPACE } from './engine/scoped-acknowledgements';
import { Finding } from './finding';
import { applyCheckerOptions, validateCheckerOptions } from './options';
import { escapeControl } from './report/escape';
import { findingSentence } from './report/sentence';
import { Severity } from './severity';
import { once, stackElements, treeAuditSource } from '../private/tree-source';
import { observeWrittenTemplate } from '../private/written-template';

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
  /** Depth in the construct tree of the scope this checker was added to (the first construct it visits). */
  private scopeDepth?: number;
  /** Per stack, the elements this aspect visited (its scope may be narrower than the stack). */
  private readonly visited = new Map<Stack, Set<IConstruct>>();

  constructor(props: ImdsHopLimitCheckerProps = {}) {
    validateCheckerOptions(props, 'ImdsHopLimitChecker');
    this.options = props;
  }

  public visit(node: IConstruct): void {
    // Aspects visit their scope first, then everything below it.
    this.scopeDepth ??= node.node.scopes.length;
    if (!CfnElement.isCfnElement(node)) {
      return;
    }
    const closest = JUDGE_OF.get(node);
    if (closest && closest !== this && (closest.scopeDepth ?? -1) >= this.scopeDepth) {
      return;
    }
    JUDGE_OF.set(node, this);
    const stack = node.stack;
    let elements = this.visited.get(stack);
    if (!elements) {
      const inScope = new Set<IConstruct>();
      elements = inScope;
      this.visited.set(stack, inScope);
      // Judge the template the stack's synthesizer writes, as it writes it: after every aspect,
      // overrides and cross-stack references included, with no second rendering.
      observeWrittenTemplate(stack, (template) => this.annotate(stack, inScope, template), 'ImdsHopLimitChecker');
    }
    elements.add(node);
  }

  private annotate(stack: Stack, inScope: Set<IConstruct>, template: unknown): void {
    const constructs = once(() => stackElements(stack));
    const findings = applyCheckerOptions(auditTemplate(template, treeAuditSource(stack, constructs)).findings, this.options);
    if (findings.length === 0) {
      return;
    }
    // A stack trace would only point at CDK's synthesis of the stack (where every annotation of
    // the checker comes from) and capturing one per finding costs more than judging, so
    // annotations are added without one.
    const previous = process.env.CDK_DISABLE_STACK_TRACE;
    process.env.CDK_DISABLE_STACK_TRACE = '1';
    const reported: Finding[] = [];
    try {
      // A finding about the whole template (a macro) goes on the stack, from the checker that
      // judges the stack's first element.
      const first = [...inScope][0];
      for (const f of findings) {
        const element = f.resource === undefined ? undefined : constructs().get(f.resource);
        if (f.resource === undefined && first && JUDGE_OF.get(first) === this) {
          annotateFinding(stack, f);
          reported.push(f);
        } else if (element && inScope.has(element) && JUDGE_OF.get(element) === this) {
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

/** The checker that judges each element: the one added closest to it. */
const JUDGE_OF = new WeakMap<IConstruct, ImdsHopLimitChecker>();

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
