/**
 * Evaluates CloudFormation values the way CloudFormation would, as the set of every value a
 * property can take at deploy time: numeric strings stay strings (the judge decides), `Fn::If`
 * gives every reachable branch, `AWS::NoValue` means "omitted", a parameter gives its
 * `AllowedValues` (or is unknown), `Fn::FindInMap` gives the looked-up value or, for keys only
 * known at deploy time, every candidate. Anything else only known at deploy time is `unknown`.
 */

/** One value a property can take. `via` says how it was reached (for messages). */
export type Candidate =
  | { readonly kind: 'absent'; readonly via?: string }
  | { readonly kind: 'known'; readonly value: unknown; readonly via?: string }
  | { readonly kind: 'ref'; readonly logicalId: string; readonly attribute?: string; readonly via?: string }
  | {
    readonly kind: 'unknown';
    readonly reason: string;
    readonly via?: string;
    /**
     * For a string only partly known at deploy time (an `Fn::Join` or `Fn::Sub` with a `Ref` in
     * it, a dynamic reference inside a longer string): the text with each unknown part as `HOLE`,
     * so `arn:${AWS::Partition}:iam::aws:policy/AmazonEKS_CNI_Policy` still names its policy.
     */
    readonly partial?: string;
  };

/** Stands, inside a partly known text, for a part only known at deploy time. */
export const HOLE = '\u0000';

/** Bound on the number of candidates one value may expand to; beyond it the rest is `unknown`. */
const MAX_CANDIDATES = 256;
const MAX_DEPTH = 32;

const INTRINSICS = new Set([
  'Ref', 'Fn::If', 'Fn::FindInMap', 'Fn::ImportValue', 'Fn::GetAtt', 'Fn::Sub', 'Fn::Join', 'Fn::Select',
  'Fn::Split', 'Fn::Base64', 'Fn::Cidr', 'Fn::GetAZs', 'Fn::Transform', 'Fn::Length', 'Fn::ToJsonString',
  'Fn::Equals', 'Fn::And', 'Fn::Or', 'Fn::Not', 'Condition', 'Fn::ForEach',
]);

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `obj[key]` when `key` is the object's own property, else undefined: input-keyed lookups never
 * reach `Object.prototype` (`constructor`, `toString`, `__proto__` are valid logical ids, mapping
 * keys and Kubernetes kinds to whoever writes the input).
 */
export function own(obj: unknown, key: string): unknown {
  return isPlainObject(obj) && Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/** Whether `key` is an own property of `obj` (see `own`). */
export function hasOwn(obj: unknown, key: string): boolean {
  return isPlainObject(obj) && Object.prototype.hasOwnProperty.call(obj, key);
}

/**
 * Appends `items` to `target` one by one: `target.push(...items)` passes every item as an argument
 * and overflows the call stack for inputs of a few hundred thousand items.
 */
export function append<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) {
    target.push(item);
  }
  return target;
}

/** Counts by name, safe for any name (a Map), rendered as an object with own properties only. */
export class Counter {
  private readonly counts = new Map<string, number>();
  public add(name: string, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }
  public toObject(): { [name: string]: number } {
    return Object.fromEntries(this.counts);
  }
}

/** The intrinsic function name if `v` is an intrinsic call (`{ "Ref": ... }`, `{ "Fn::If": ... }`). */
export function intrinsicName(v: unknown): string | undefined {
  if (!isPlainObject(v)) {
    return undefined;
  }
  // The object's own enumerable keys, as Object.keys gives them, without making the array (this
  // runs for nearly every value the engine reads), and no further than the second key.
  let name: string | undefined;
  for (const key in v) {
    if (!Object.prototype.hasOwnProperty.call(v, key)) {
      continue;
    }
    if (name !== undefined) {
      return undefined;
    }
    name = key;
  }
  return name !== undefined && INTRINSICS.has(name) ? name : undefined;
}

/** A short, bounded rendering of a value for messages. */
export function show(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  } catch {
    // Nested too deeply for JSON.stringify (and String() would recurse the same way).
    s = Array.isArray(v) ? '[a list nested too deeply to show]' : typeof v === 'object' ? '{an object nested too deeply to show}' : typeof v;
  }
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function chain(outer: string | undefined, inner: string | undefined): string | undefined {
  if (!outer) return inner;
  if (!inner) return outer;
  return `${outer}, ${inner}`;
}

function withVia(c: Candidate, via: string | undefined): Candidate {
  return via ? ({ ...c, via: chain(via, c.via) } as Candidate) : c;
}

/**
 * The parts of a template that values can refer to. Built once per template.
 */
export class TemplateContext {
  /** The template's Resources section as it is (not copied: it is the largest part), read through `resource()`. */
  private readonly resourceSection: Record<string, unknown>;
  private readonly parameters: Record<string, unknown>;
  private readonly mappings: Record<string, unknown>;
  private readonly conditions: Record<string, unknown>;
  private readonly conditionCache = new Map<string, Set<boolean>>();
  private entries?: ReadonlyArray<readonly [string, unknown]>;
  private byType?: Map<string, Array<readonly [string, Record<string, unknown>]>>;

  /**
   * @param template the template
   * @param parameterOverrides for a nested stack's template, the values its parent passes to parameters
   */
  constructor(template: unknown, private readonly parameterOverrides?: ReadonlyMap<string, Candidate[]>) {
    const t = isPlainObject(template) ? template : {};
    // Null-prototype copies of the small sections: a parameter, condition or mapping named
    // `constructor` or `__proto__` is looked up like any other name. Resources are read with own-
    // property checks instead (`resource()`, `hasResource()`).
    const section = (name: string): Record<string, unknown> =>
      Object.assign(Object.create(null), isPlainObject(own(t, name)) ? own(t, name) : {});
    const resources = own(t, 'Resources');
    this.resourceSection = isPlainObject(resources) ? resources : {};
    this.parameters = section('Parameters');
    this.mappings = section('Mappings');
    this.conditions = section('Conditions');
  }

  /** Every resource, in template order (made once per template: several rules scan them all). */
  public get resourceEntries(): ReadonlyArray<readonly [string, unknown]> {
    this.entries ??= Object.entries(this.resourceSection);
    return this.entries;
  }

  /** The resources with this `Type` (plain objects), in template order; indexed once per template. */
  public resourcesOfType(type: string): ReadonlyArray<readonly [string, Record<string, unknown>]> {
    if (!this.byType) {
      this.byType = new Map();
      for (const [id, r] of this.resourceEntries) {
        if (isPlainObject(r) && typeof r.Type === 'string') {
          const list = this.byType.get(r.Type);
          if (list) {
            list.push([id, r]);
          } else {
            this.byType.set(r.Type, [[id, r]]);
          }
        }
      }
    }
    return this.byType.get(type) ?? [];
  }

  /** The resource with this logical id (its own property in the Resources section: never a prototype's). */
  public resource(logicalId: string): unknown {
    return Object.prototype.hasOwnProperty.call(this.resourceSection, logicalId) ? this.resourceSection[logicalId] : undefined;
  }

  /** Whether the Resources section has this logical id. */
  public hasResource(logicalId: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.resourceSection, logicalId);
  }

  /** The resource type of a logical id in this template, if it is a resource here. */
  public resourceType(logicalId: string): string | undefined {
    const r = this.resource(logicalId);
    return isPlainObject(r) && typeof r.Type === 'string' ? r.Type : undefined;
  }

  /** Every value `node` can take. Never throws. */
  public evaluate(node: unknown, depth = 0): Candidate[] {
    if (depth > MAX_DEPTH) {
      return beyondDepth(node);
    }
    if (node === undefined) {
      return [{ kind: 'absent' }];
    }
    if (typeof node === 'string') {
      if (node.includes('{{resolve:')) {
        return [{
          kind: 'unknown',
          reason: `dynamic reference ${show(node)} is resolved at deploy time`,
          partial: node.replace(/\{\{resolve:[^}]*\}\}/g, HOLE),
        }];
      }
      return [{ kind: 'known', value: node }];
    }
    const fn = intrinsicName(node);
    if (!fn) {
      return [{ kind: 'known', value: node }];
    }
    const arg = (node as Record<string, unknown>)[fn];
    switch (fn) {
      case 'Ref':
        return this.evaluateRef(arg);
      case 'Fn::If':
        return this.evaluateIf(arg, depth);
      case 'Fn::FindInMap':
        return this.evaluateFindInMap(arg, depth);
      case 'Fn::GetAtt':
        return this.evaluateGetAtt(arg);
      case 'Fn::ImportValue':
        return [{ kind: 'unknown', reason: `Fn::ImportValue ${show(arg)} is only known at deploy time` }];
      case 'Fn::Sub':
        return this.evaluateSub(arg, depth);
      case 'Fn::Join':
        return this.evaluateJoin(arg, depth);
      case 'Fn::Select':
        return this.evaluateSelect(arg, depth);
      case 'Fn::Length':
        return this.evaluateLength(arg, depth);
      case 'Fn::Split':
        return this.evaluateSplit(arg, depth);
      case 'Fn::ToJsonString':
        return this.evaluateToJsonString(arg, depth);
      default:
        return [{ kind: 'unknown', reason: `${fn} ${show(arg)} is computed at deploy time` }];
    }
  }

  /** Every value of `key` inside every candidate object (absent stays absent). */
  public field(candidates: Candidate[], key: string, depth = 0): Candidate[] {
    if (candidates.length === 1) {
      const only = candidates[0];
      if (only.kind === 'known' && !only.via && isPlainObject(only.value)) {
        // The common case (one object, reached directly): its field's values as they are, without
        // a second list (evaluate always returns a list of its own).
        return cap(this.evaluate(only.value[key], depth + 1));
      }
    }
    const out: Candidate[] = [];
    for (const c of candidates) {
      switch (c.kind) {
        case 'absent':
        case 'unknown':
          out.push(c);
          break;
        case 'ref':
          out.push({ kind: 'unknown', reason: `a reference to ${c.logicalId} stands where an object is expected`, via: c.via });
          break;
        case 'known':
          if (isPlainObject(c.value)) {
            for (const x of this.evaluate(c.value[key], depth + 1)) {
              out.push(withVia(x, c.via));
            }
          } else {
            out.push({ kind: 'unknown', reason: `${show(c.value)} is not an object`, via: c.via });
          }
          break;
      }
    }
    return cap(out);
  }

  /** Evaluates a nested property path, e.g. `['LaunchTemplateData', 'MetadataOptions']`. */
  public path(node: unknown, keys: string[]): Candidate[] {
    let cands = this.evaluate(node);
    for (const k of keys) {
      cands = this.field(cands, k);
    }
    return cands;
  }

  /** The possible truth values of a named condition. */
  public condition(name: string, seen: Set<string> = new Set()): Set<boolean> {
    const cached = this.conditionCache.get(name);
    if (cached) {
      return cached;
    }
    if (!(name in this.conditions) || seen.has(name)) {
      return new Set([true, false]);
    }
    // A condition can reach itself again through Fn::If inside Fn::Equals (CloudFormation rejects
    // such a template): answer "either" to any re-entry instead of recursing forever.
    this.conditionCache.set(name, new Set([true, false]));
    seen.add(name);
    const result = this.booleans(this.conditions[name], seen, 0);
    seen.delete(name);
    this.conditionCache.set(name, result);
    return result;
  }

  private booleans(expr: unknown, seen: Set<string>, depth: number): Set<boolean> {
    const both = new Set([true, false]);
    if (depth > MAX_DEPTH) return both;
    if (expr === true || expr === 'true') return new Set([true]);
    if (expr === false || expr === 'false') return new Set([false]);
    const fn = intrinsicName(expr);
    if (!fn) return both;
    const arg = (expr as Record<string, unknown>)[fn];
    const list = Array.isArray(arg) ? arg : [];
    switch (fn) {
      case 'Condition':
        return typeof arg === 'string' ? this.condition(arg, seen) : both;
      case 'Fn::Not': {
        const inner = this.booleans(list[0], seen, depth + 1);
        return new Set([...inner].map((b) => !b));
      }
      case 'Fn::And': {
        const sets = list.map((e) => this.booleans(e, seen, depth + 1));
        const out = new Set<boolean>();
        if (sets.length > 0 && sets.every((s) => s.has(true))) out.add(true);
        if (sets.length === 0 || sets.some((s) => s.has(false))) out.add(false);
        return out;
      }
      case 'Fn::Or': {
        const sets = list.map((e) => this.booleans(e, seen, depth + 1));
        const out = new Set<boolean>();
        if (sets.some((s) => s.has(true))) out.add(true);
        if (sets.length === 0 || sets.every((s) => s.has(false))) out.add(false);
        return out;
      }
      case 'Fn::Equals': {
        if (list.length !== 2) return both;
        const left = this.evaluate(list[0], depth + 1);
        const right = this.evaluate(list[1], depth + 1);
        const out = new Set<boolean>();
        for (const l of left) {
          for (const r of right) {
            if (l.kind === 'known' && r.kind === 'known' && isScalar(l.value) && isScalar(r.value)) {
              out.add(String(l.value) === String(r.value));
            } else {
              return both;
            }
          }
        }
        return out.size ? out : both;
      }
      default:
        return both;
    }
  }

  private evaluateRef(arg: unknown): Candidate[] {
    if (typeof arg !== 'string') {
      return [{ kind: 'unknown', reason: `Ref ${show(arg)} is not a name` }];
    }
    if (arg === 'AWS::NoValue') {
      return [{ kind: 'absent' }];
    }
    if (arg.startsWith('AWS::')) {
      return [{ kind: 'unknown', reason: `pseudo parameter ${arg} is only known at deploy time` }];
    }
    if (arg in this.parameters) {
      return this.parameterValues(arg);
    }
    if (this.hasResource(arg)) {
      return [{ kind: 'ref', logicalId: arg }];
    }
    return [{ kind: 'unknown', reason: `Ref ${arg} names nothing in this template` }];
  }

  private parameterValues(name: string): Candidate[] {
    const passed = this.parameterOverrides?.get(name);
    if (passed) {
      return passed.map((c) => withVia(c, `parameter ${name} (from the parent stack)`));
    }
    const p = this.parameters[name];
    const decl = isPlainObject(p) ? p : {};
    const type = typeof decl.Type === 'string' ? decl.Type : 'String';
    if (type.startsWith('AWS::SSM::Parameter::Value')) {
      return [{ kind: 'unknown', reason: `parameter ${name} is read from SSM Parameter Store at deploy time` }];
    }
    const allowed = decl.AllowedValues;
    if (Array.isArray(allowed) && allowed.length > 0) {
      return allowed.map((v) => ({ kind: 'known', value: v, via: `parameter ${name} (AllowedValues)` }));
    }
    const dflt = decl.Default !== undefined ? `, default ${show(decl.Default)}` : '';
    const unknown: Candidate = { kind: 'unknown', reason: `parameter ${name} has no AllowedValues${dflt}: any value can be passed at deploy time` };
    // The default is what deploys unless someone overrides it: a candidate of its own, judged
    // like a literal (a default of 2 is a hop limit of 2), next to "anything else".
    return decl.Default !== undefined ? [{ kind: 'known', value: decl.Default, via: `parameter ${name} (Default)` }, unknown] : [unknown];
  }

  private evaluateIf(arg: unknown, depth: number): Candidate[] {
    if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== 'string') {
      return [{ kind: 'unknown', reason: `malformed Fn::If ${show(arg)}` }];
    }
    const [name, whenTrue, whenFalse] = arg as [string, unknown, unknown];
    const outcomes = this.condition(name);
    const out: Candidate[] = [];
    if (outcomes.has(true)) {
      out.push(...this.evaluate(whenTrue, depth + 1).map((c) => withVia(c, `Fn::If ${name} true branch`)));
    }
    if (outcomes.has(false)) {
      out.push(...this.evaluate(whenFalse, depth + 1).map((c) => withVia(c, `Fn::If ${name} false branch`)));
    }
    return cap(out);
  }

  private evaluateGetAtt(arg: unknown): Candidate[] {
    let target: unknown;
    let attribute: unknown;
    if (Array.isArray(arg)) {
      [target, attribute] = arg;
    } else if (typeof arg === 'string') {
      const dot = arg.indexOf('.');
      [target, attribute] = dot > 0 ? [arg.slice(0, dot), arg.slice(dot + 1)] : [arg, undefined];
    }
    if (typeof target === 'string' && this.hasResource(target)) {
      return [{ kind: 'ref', logicalId: target, attribute: typeof attribute === 'string' ? attribute : undefined }];
    }
    return [{ kind: 'unknown', reason: `Fn::GetAtt ${show(arg)} is only known at deploy time` }];
  }

  /**
   * `Fn::Sub` with every `${Name}` a variable of its own map (or a parameter, resource or pseudo
   * parameter, evaluated like a `Ref`): each combination of known texts, else unknown.
   */
  private evaluateSub(arg: unknown, depth: number): Candidate[] {
    const [template, variables] = Array.isArray(arg) ? arg : [arg, undefined];
    if (typeof template !== 'string') {
      return [{ kind: 'unknown', reason: `Fn::Sub ${show(arg)} is computed at deploy time` }];
    }
    const parts = template.split(/(\$\{!?[^}]*\})/);
    const pieces: Candidate[][] = parts.map((part) => {
      const m = /^\$\{(!?)([^}]*)\}$/.exec(part);
      if (!m) {
        return [{ kind: 'known', value: part }];
      }
      if (m[1]) {
        return [{ kind: 'known', value: `\${${m[2]}}` }];
      }
      const name = m[2];
      if (hasOwn(variables, name)) {
        return this.evaluate(own(variables, name), depth + 1);
      }
      return name.includes('.') ? this.evaluateGetAtt(name) : this.evaluateRef(name);
    });
    return this.joinPieces(pieces, '', () => `Fn::Sub ${show(template)}`);
  }

  /** `Fn::Join` of parts that are all known (or lists of known parts): each combination, else unknown. */
  private evaluateJoin(arg: unknown, depth: number): Candidate[] {
    if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string') {
      return [{ kind: 'unknown', reason: `malformed Fn::Join ${show(arg)}` }];
    }
    const [separator, list] = arg as [string, unknown];
    const lists = this.evaluate(list, depth + 1);
    const out: Candidate[] = [];
    for (const l of lists) {
      if (l.kind !== 'known' || !Array.isArray(l.value)) {
        out.push({ kind: 'unknown', reason: `Fn::Join ${show(arg)} joins a list only known at deploy time`, via: l.via });
        continue;
      }
      append(out, this.joinPieces(l.value.map((part) => this.evaluate(part, depth + 1)), separator, () => `Fn::Join ${show(arg)}`));
    }
    return cap(out);
  }

  /**
   * Each text the pieces can make (at most MAX_CANDIDATES). Where a piece is not a known scalar the
   * text is unknown, with the reason of the first such piece and the text partly known (`partial`,
   * the piece as `HOLE`). Past MAX_CANDIDATES combinations, a piece with several values becomes a
   * `HOLE` too (linear in the pieces). `what` names the intrinsic for a reason; it is only rendered
   * when there is one (most joins in a template are known, and rendering costs more than joining).
   */
  private joinPieces(pieces: Candidate[][], separator: string, what: () => string): Candidate[] {
    let texts: Array<{ text: string; via?: string }> = [{ text: '' }];
    let reason: string | undefined;
    let via: string | undefined;
    for (const [i, piece] of pieces.entries()) {
      const options = new Map<string, string | undefined>();
      for (const c of piece) {
        if (c.kind === 'known' && isScalar(c.value)) {
          options.set(String(c.value), c.via);
          continue;
        }
        if (reason === undefined) {
          reason = c.kind === 'unknown' ? c.reason : c.kind === 'ref' ? `a reference to ${c.logicalId}` : 'a part that is absent or not text';
          via = c.via;
        }
        options.set(c.kind === 'unknown' && c.partial !== undefined ? c.partial : HOLE, c.via);
      }
      if (options.size === 0) {
        options.set(HOLE, undefined);
      }
      if (texts.length * options.size > MAX_CANDIDATES) {
        // Too many combinations: this piece is a hole (it still has more than one value).
        reason ??= `${what()} has more than ${MAX_CANDIDATES} possible values`;
        options.clear();
        options.set(HOLE, undefined);
      }
      const next: Array<{ text: string; via?: string }> = [];
      for (const t of texts) {
        for (const [text, v] of options) {
          next.push({ text: `${t.text}${i > 0 ? separator : ''}${text}`, via: t.via ?? v });
        }
      }
      texts = next;
    }
    if (reason !== undefined) {
      const because = `${what()} is computed at deploy time (${reason})`;
      return texts.map((t) => ({ kind: 'unknown', reason: because, via: via ?? t.via, partial: t.text }));
    }
    return texts.map((t) => ({ kind: 'known', value: t.text, via: t.via }));
  }

  /** `Fn::Select` of a known index from a known list. */
  private evaluateSelect(arg: unknown, depth: number): Candidate[] {
    if (!Array.isArray(arg) || arg.length !== 2) {
      return [{ kind: 'unknown', reason: `malformed Fn::Select ${show(arg)}` }];
    }
    const out: Candidate[] = [];
    for (const index of this.evaluate(arg[0], depth + 1)) {
      const i = index.kind === 'known' && isScalar(index.value) ? Number(index.value) : NaN;
      if (index.kind !== 'known' && index.kind !== 'absent') {
        // An index only known at deploy time picks one of the items (any other index fails the
        // deployment): every item of a known list is a candidate.
        for (const list of this.evaluate(arg[1], depth + 1)) {
          if (list.kind === 'known' && Array.isArray(list.value) && list.value.length > 0) {
            const via = `Fn::Select at an index only known at deploy time (${show(arg[0])})`;
            for (const item of list.value) {
              append(out, this.evaluate(item, depth + 1).map((c) => withVia(c, via)));
            }
          } else {
            out.push({ kind: 'unknown', reason: `Fn::Select index ${show(arg[0])} is only known at deploy time`, via: index.via });
          }
        }
        continue;
      }
      if (!Number.isInteger(i) || i < 0) {
        out.push({ kind: 'unknown', reason: `Fn::Select index ${show(arg[0])} is not an index (the deployment would fail)`, via: index.via });
        continue;
      }
      for (const list of this.evaluate(arg[1], depth + 1)) {
        if (list.kind !== 'known' || !Array.isArray(list.value)) {
          out.push({ kind: 'unknown', reason: `Fn::Select from a list only known at deploy time (${show(arg[1])})`, via: list.via });
        } else if (i >= list.value.length) {
          out.push({ kind: 'unknown', reason: `Fn::Select index ${i} is past the end of ${show(list.value)} (the deployment would fail)` });
        } else {
          out.push(...this.evaluate(list.value[i], depth + 1).map((c) => withVia(c, `Fn::Select ${i}`)));
        }
      }
    }
    return cap(out);
  }

  /** `Fn::Split` of a known string by a known delimiter: the list of its parts. */
  private evaluateSplit(arg: unknown, depth: number): Candidate[] {
    if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string' || arg[0] === '') {
      return [{ kind: 'unknown', reason: `malformed Fn::Split ${show(arg)}` }];
    }
    const delimiter = arg[0];
    return cap(this.evaluate(arg[1], depth + 1).map((source): Candidate => (source.kind === 'known' && typeof source.value === 'string'
      ? { kind: 'known', value: source.value.split(delimiter), via: source.via }
      : { kind: 'unknown', reason: `Fn::Split of a string only known at deploy time (${show(arg[1])})`, via: source.via })));
  }

  /** `Fn::ToJsonString` (AWS::LanguageExtensions) of a value with no intrinsic inside: its JSON text. */
  private evaluateToJsonString(arg: unknown, depth: number): Candidate[] {
    return cap(this.evaluate(arg, depth + 1).map((c): Candidate => {
      const text = c.kind === 'known' && !containsIntrinsic(c.value) ? jsonText(c.value) : undefined;
      return text !== undefined
        ? { kind: 'known', value: text, via: c.via }
        : { kind: 'unknown', reason: `Fn::ToJsonString ${show(arg)} is computed at deploy time`, via: c.via };
    }));
  }

  /** `Fn::Length` of a known list. */
  private evaluateLength(arg: unknown, depth: number): Candidate[] {
    return this.evaluate(arg, depth + 1).map((l): Candidate => (l.kind === 'known' && Array.isArray(l.value)
      ? { kind: 'known', value: l.value.length, via: l.via }
      : { kind: 'unknown', reason: `Fn::Length of a list only known at deploy time (${show(arg)})`, via: l.via }));
  }

  private evaluateFindInMap(arg: unknown, depth: number): Candidate[] {
    if (!Array.isArray(arg) || arg.length < 3) {
      return [{ kind: 'unknown', reason: `malformed Fn::FindInMap ${show(arg)}` }];
    }
    const [mapArg, topArg, secondArg, options] = arg;
    const fallback = own(options, 'DefaultValue');
    const hasFallback = hasOwn(options, 'DefaultValue');
    const out: Candidate[] = [];
    // A key only known at deploy time can be one the mapping lacks: then DefaultValue is the value.
    const keyUnknown = [topArg, secondArg].some((k) => this.evaluate(k, depth + 1).some((c) => !(c.kind === 'known' && isScalar(c.value))));
    for (const m of this.evaluate(mapArg, depth + 1)) {
      if (m.kind !== 'known' || typeof m.value !== 'string') {
        out.push({ kind: 'unknown', reason: `Fn::FindInMap map name ${show(mapArg)} is only known at deploy time` });
        if (hasFallback) {
          out.push(...this.missingEntry(show(mapArg), '?', undefined, true, fallback, depth));
        }
        continue;
      }
      if (keyUnknown && hasFallback) {
        out.push(...this.missingEntry(m.value, '?', undefined, true, fallback, depth));
      }
      const mapping = this.mappings[m.value];
      if (!isPlainObject(mapping)) {
        out.push({ kind: 'unknown', reason: `Fn::FindInMap names mapping ${m.value}, which this template does not define` });
        continue;
      }
      for (const [topKey, topVia] of this.mapKeys(topArg, mapping, depth)) {
        const level = own(mapping, topKey);
        if (!isPlainObject(level)) {
          out.push(...this.missingEntry(m.value, topKey, undefined, hasFallback, fallback, depth));
          continue;
        }
        for (const [secondKey, secondVia] of this.mapKeys(secondArg, level, depth)) {
          const via = `mapping ${m.value}.${topKey}.${secondKey}${topVia || secondVia ? ` (${[topVia, secondVia].filter(Boolean).join(', ')})` : ''}`;
          if (hasOwn(level, secondKey)) {
            out.push(...this.evaluate(own(level, secondKey), depth + 1).map((c) => withVia(c, via)));
          } else {
            out.push(...this.missingEntry(m.value, topKey, secondKey, hasFallback, fallback, depth));
          }
        }
      }
    }
    return cap(out);
  }

  /** The keys a `Fn::FindInMap` key argument can take: a literal, or every key when unknown. */
  private mapKeys(keyArg: unknown, level: Record<string, unknown>, depth: number): Array<[string, string | undefined]> {
    const keys: Array<[string, string | undefined]> = [];
    for (const k of this.evaluate(keyArg, depth + 1)) {
      if (k.kind === 'known' && isScalar(k.value)) {
        keys.push([String(k.value), k.via]);
      } else {
        const why = k.kind === 'unknown' ? 'key only known at deploy time' : 'key is a reference';
        append(keys, Object.keys(level).map((key): [string, string] => [key, `every ${why}`]));
      }
    }
    return keys;
  }

  private missingEntry(map: string, top: string, second: string | undefined, hasFallback: boolean, fallback: unknown, depth: number): Candidate[] {
    if (hasFallback) {
      return this.evaluate(fallback, depth + 1).map((c) => withVia(c, `mapping ${map} DefaultValue`));
    }
    const where = second === undefined ? `${map}.${top}` : `${map}.${top}.${second}`;
    return [{ kind: 'unknown', reason: `mapping entry ${where} does not exist (the deployment would fail)` }];
  }
}

/**
 * A value nested deeper than MAX_DEPTH, judged conservatively rather than dropped: every literal
 * an `Fn::If` chain below can reach (both branches, whatever the condition) is a candidate, so a
 * hop limit of 2 at the bottom of a deep chain is still a finding; anything else down there is one
 * unknown candidate. Iterative (no recursion), linear in the size of the value.
 */
function beyondDepth(node: unknown): Candidate[] {
  const via = 'nested deeper than the checker follows exactly; every branch taken';
  const out: Candidate[] = [];
  let other = false;
  const pending: unknown[] = [node];
  while (pending.length > 0) {
    const v = pending.pop();
    const fn = intrinsicName(v);
    if (fn === 'Fn::If') {
      const arg = (v as Record<string, unknown>)[fn];
      if (Array.isArray(arg) && arg.length === 3) {
        pending.push(arg[2], arg[1]);
        continue;
      }
      other = true;
    } else if (isPlainObject(v) && own(v, 'Ref') === 'AWS::NoValue') {
      out.push({ kind: 'absent', via });
    } else if (isScalar(v)) {
      out.push({ kind: 'known', value: v, via });
    } else {
      other = true;
    }
  }
  if (other) {
    out.push({ kind: 'unknown', reason: 'the value nests intrinsic functions too deeply to follow', via });
  }
  return cap(out);
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** `JSON.stringify(value)`, or undefined where it cannot be made (nested too deeply). */
function jsonText(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** Whether an intrinsic function appears anywhere in a value (iterative: deep input cannot overflow the stack). */
function containsIntrinsic(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const v = pending.pop();
    if (Array.isArray(v)) {
      append(pending, v);
    } else if (isPlainObject(v)) {
      if (intrinsicName(v) !== undefined) {
        return true;
      }
      append(pending, Object.values(v));
    }
  }
  return false;
}

function cap(cands: Candidate[]): Candidate[] {
  if (cands.length <= MAX_CANDIDATES) {
    return cands;
  }
  // Many combinations usually repeat few values: keep one candidate per distinct value (and per
  // distinct reason) before cutting, so a hop limit of 2 in the tail is not dropped behind 1s.
  const seen = new Set<string>();
  const distinct = cands.filter((c) => {
    const key = c.kind === 'known' ? `k${JSON.stringify(c.value)}` : c.kind === 'ref' ? `r${c.logicalId}.${c.attribute ?? ''}`
      : c.kind === 'unknown' ? `u${c.reason}\u0000${c.partial ?? ''}` : 'a';
    return seen.has(key) ? false : (seen.add(key), true);
  });
  if (distinct.length <= MAX_CANDIDATES) {
    return distinct;
  }
  return [
    ...distinct.slice(0, MAX_CANDIDATES),
    { kind: 'unknown', reason: `the value has more than ${MAX_CANDIDATES} distinct possible values` },
  ];
}
