import { CfnElement, ISynthesisSession, IStackSynthesizer, Stack } from 'aws-cdk-lib';

/**
 * The elements `Stack.getLogicalId()` was asked about while the template was rendered, by the id it
 * gave them (the last asked, where two got one id). Use it through `renderedElement()`: an element
 * whose id is overridden, or of another stack, can be in it.
 */
export type RenderedLogicalIds = ReadonlyMap<string, CfnElement>;

/**
 * Called with the template a stack's synthesizer is about to write, the very object it writes, and
 * the logical ids its rendering allocated (a lookup that avoids allocating them all again).
 */
export type TemplateObserver = (template: { [section: string]: unknown }, ids: RenderedLogicalIds) => void;

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
      const outermost = state.writing && !state.seen && state.depth === 0;
      const ids = new Map<string, CfnElement>();
      const restore = outermost ? recordLogicalIds(this, ids) : undefined;
      state.depth++;
      try {
        template = render.call(this);
      } finally {
        state.depth--;
        restore?.();
      }
      if (outermost) {
        state.seen = true;
        for (const o of state.observers) {
          o(template, ids);
        }
      }
      return template;
    },
  });
}

interface Recording {
  readonly stack: Stack;
  readonly ids: Map<string, CfnElement>;
  /** Calls of the wrapped method on the stack in progress: only the outermost records. */
  depth: number;
}

/**
 * The recordings in progress, the latest last: a render is not expected to run inside another,
 * and if one did, the outer stack's ids allocated meanwhile are not recorded (its lookups then
 * fall back). The wrapper compares with the latest only: no map lookup on the hot path.
 */
const RECORDINGS: Recording[] = [];
/** The prototypes whose `getLogicalId` is wrapped (once each). */
const RECORDER = new WeakSet<object>();

/**
 * Records in `ids` each logical id the stack allocates (`getLogicalId()`, which rendering calls
 * through `CfnElement.logicalId` for every element of the stack whose id is not overridden, and
 * again for every reference to it), until the returned function is called. The method is wrapped
 * once on the prototype that defines it, as `_toCloudFormation` is: shadowing it on the stack
 * instance for the render, then deleting it, changed the instance's shape every synth and put it
 * in dictionary mode, and the allocation of every id ran slower (`getLogicalId` itself 25x, about
 * 1 ms per synth of the platform app, a third of what the checker cost there). Only the outermost
 * call on the stack records (a subclass's override calling `super` gives its own id to the
 * rendering). It runs thousands of times per template, so it only records; what a recorded
 * element may be used for is checked when it is looked up (`renderedElement`). A stack with a
 * `getLogicalId` of its own (an instance property, as jsii overrides are), a method that cannot be
 * wrapped, or a rendering that stops calling the method (another aws-cdk-lib) records nothing,
 * and lookups fall back to allocating every id.
 */
function recordLogicalIds(stack: Stack, ids: Map<string, CfnElement>): () => void {
  const definer = Object.prototype.hasOwnProperty.call(stack, 'getLogicalId') ? undefined : prototypeDefining(stack, 'getLogicalId');
  if (!definer || !wrapGetLogicalId(definer)) {
    return () => {};
  }
  const recording: Recording = { stack, ids, depth: 0 };
  RECORDINGS.push(recording);
  return () => {
    const at = RECORDINGS.lastIndexOf(recording);
    if (at !== -1) {
      RECORDINGS.splice(at, 1);
    }
  };
}

/** Wraps `getLogicalId` on `proto` (once) to record for the latest of RECORDINGS; false if it cannot be. */
function wrapGetLogicalId(proto: object): boolean {
  if (RECORDER.has(proto)) {
    return true;
  }
  const descriptor = Object.getOwnPropertyDescriptor(proto, 'getLogicalId');
  const allocate = descriptor?.value as ((this: Stack, element: CfnElement) => string) | undefined;
  if (!descriptor?.configurable || typeof allocate !== 'function') {
    return false;
  }
  RECORDER.add(proto);
  Object.defineProperty(proto, 'getLogicalId', {
    ...descriptor,
    value: function getLogicalIdRecorded(this: Stack, element: CfnElement): string {
      const recording = RECORDINGS.length > 0 ? RECORDINGS[RECORDINGS.length - 1] : undefined;
      if (recording === undefined || recording.stack !== this) {
        return allocate.call(this, element);
      }
      let id: string;
      recording.depth++;
      try {
        id = allocate.call(this, element);
      } finally {
        recording.depth--;
      }
      if (recording.depth === 0) {
        recording.ids.set(id, element);
      }
      return id;
    },
  });
  return true;
}

/**
 * The element `ids` holds for `logicalId` if it is the stack's own element with that logical id:
 * it is in the stack (not a nested one) and its id is not overridden (so its id is what
 * `getLogicalId()` returned). Another element cannot have the same id: CloudFormation ids are
 * unique in a template, and aws-cdk-lib refuses to render a stack where two elements share one.
 * Undefined otherwise, and then the caller looks the id up another way.
 */
export function renderedElement(stack: Stack, ids: RenderedLogicalIds, logicalId: string): CfnElement | undefined {
  const element = ids.get(logicalId);
  return element !== undefined && element.stack === stack
    && !(element as unknown as { _logicalIdOverride?: unknown })._logicalIdOverride ? element : undefined;
}
