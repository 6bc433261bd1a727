import { ISynthesisSession, IStackSynthesizer, Stack } from 'aws-cdk-lib';

/** Called with the template a stack's synthesizer is about to write, the very object it writes. */
export type TemplateObserver = (template: { [section: string]: unknown }) => void;

interface Observed {
  readonly observers: TemplateObserver[];
  /** Whether the stack's synthesizer is writing the stack now. */
  writing: boolean;
  /** Whether the template written in the current synthesis was observed. */
  seen: boolean;
  /** Nested `_toCloudFormation` calls in progress (a subclass's override calling `super`): only the outermost is the template written. */
  depth: number;
}

type Render = (this: Stack) => { [section: string]: unknown };

const OBSERVED = new WeakMap<Stack, Observed>();
/** The prototypes whose `_toCloudFormation` is wrapped (once each, for every stack of that class). */
const WRAPPED = new WeakSet<object>();

/**
 * Calls `observer` with each template the stack's synthesizer writes, before the synthesizer
 * collects the construct tree's metadata into the cloud assembly: annotations the observer adds
 * land in the assembly and in `cdk synth`'s output.
 *
 * The observer sees the object the synthesizer writes (`Stack._toCloudFormation()`, which
 * `Stack._synthesizeTemplate()` serializes), not a second rendering of it, so what it judges cannot
 * differ from the file. The method is wrapped once on the prototype that defines it (stack
 * instances keep their shape) and calls observers only while the stack's own synthesizer runs.
 * Two private aws-cdk-lib methods are involved, and the design does not trust them blindly: if the
 * stack's synthesizer finishes without the observer having seen a template (an aws-cdk-lib that
 * writes templates some other way, a synthesizer or a Stack subclass that does not write one
 * through this method), synthesis fails with an error naming the stack, rather than the checker
 * passing what it never saw.
 *
 * Observers added to one stack share one hook; each stack is hooked once.
 */
export function observeWrittenTemplate(stack: Stack, observer: TemplateObserver, owner: string): void {
  const existing = OBSERVED.get(stack);
  if (existing) {
    existing.observers.push(observer);
    return;
  }
  const synthesizer = stack.synthesizer as IStackSynthesizer & { synthesize?: (s: ISynthesisSession) => void };
  const synthesize = synthesizer.synthesize;
  const definer = prototypeDefining(stack, '_toCloudFormation');
  if (!definer || typeof synthesize !== 'function') {
    throw new Error(
      `${owner} cannot see the template of ${stack.node.path}: this aws-cdk-lib version has no Stack._toCloudFormation(). ` +
      'Use the validation plugin (ImdsHopLimitValidationPlugin) or the audit CLI on cdk.out instead.',
    );
  }
  wrapRender(definer);
  const state: Observed = { observers: [observer], writing: false, seen: false, depth: 0 };
  OBSERVED.set(stack, state);
  Object.defineProperty(synthesizer, 'synthesize', {
    configurable: true,
    writable: true,
    value: function synthesizeObserved(this: IStackSynthesizer, session: ISynthesisSession) {
      state.writing = true;
      state.seen = false;
      try {
        synthesize.call(this, session);
      } finally {
        state.writing = false;
      }
      if (!state.seen) {
        throw new Error(
          `${owner} did not see the template of ${stack.node.path} being written (its synthesizer, ` +
          `${synthesizer.constructor?.name ?? 'unknown'}, wrote it without Stack._toCloudFormation()), so it cannot vouch for it. ` +
          'Use the validation plugin (ImdsHopLimitValidationPlugin) or the audit CLI on cdk.out for this stack.',
        );
      }
    },
  });
}

/** The nearest object on the prototype chain that defines `name` itself. */
function prototypeDefining(o: object, name: string): object | undefined {
  for (let p: object | null = Object.getPrototypeOf(o); p; p = Object.getPrototypeOf(p)) {
    if (Object.prototype.hasOwnProperty.call(p, name) && typeof (p as Record<string, unknown>)[name] === 'function') {
      return p;
    }
  }
  return undefined;
}

function wrapRender(proto: object): void {
  if (WRAPPED.has(proto)) {
    return;
  }
  WRAPPED.add(proto);
  const render = (proto as { _toCloudFormation: Render })._toCloudFormation;
  Object.defineProperty(proto, '_toCloudFormation', {
    configurable: true,
    writable: true,
    value: function toCloudFormation(this: Stack) {
      const state = OBSERVED.get(this);
      if (!state) {
        return render.call(this);
      }
      let template: { [section: string]: unknown };
      state.depth++;
      try {
        template = render.call(this);
      } finally {
        state.depth--;
      }
      if (state.writing && !state.seen && state.depth === 0) {
        state.seen = true;
        for (const o of state.observers) {
          o(template);
        }
      }
      return template;
    },
  });
}
