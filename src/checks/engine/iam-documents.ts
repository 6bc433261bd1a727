import { describeVia } from './issues';
import { parseManifestProperty, replacePlaceholders, wholePlaceholderIndex } from './manifest';
import { HOLE, intrinsicName, isPlainObject, own, show, TemplateContext } from './values';

/**
 * Reading IAM policy documents out of a template, for the identity rules.
 *
 * A document is an object, a JSON string, an `Fn::Join` of JSON text and intrinsics (aws-cdk-lib
 * writes managed policies with tokens that way), or an `Fn::GetAtt` of a `Custom::AWSCDKCfnJson`
 * resource's `Value` (aws-cdk-lib's `CfnJson`, used for IRSA conditions whose keys hold the OIDC
 * issuer). Strings are read as *texts*: the parts only known at deploy time (a `Ref`, an
 * `Fn::GetAtt` inside an `Fn::Join` or `Fn::Sub`, a dynamic reference) become `HOLE`, so
 * `arn:${AWS::Partition}:iam::aws:policy/AmazonEKS_CNI_Policy` still names the CNI policy.
 */

export { HOLE };

/** One string a value can be (deploy-time parts as `HOLE`), a reference to a resource, or unknown. */
export type Text =
  | { readonly kind: 'text'; readonly text: string; readonly via?: string }
  | { readonly kind: 'ref'; readonly logicalId: string; readonly attribute?: string; readonly via?: string }
  | { readonly kind: 'unknown'; readonly reason: string; readonly via?: string };

/** One value a structural part of a document (a statement, a condition block) can take. */
export type Alternative =
  | { readonly kind: 'absent'; readonly via?: string }
  | { readonly kind: 'known'; readonly value: unknown; readonly via?: string }
  | { readonly kind: 'unknown'; readonly reason: string; readonly via?: string };

/** The type aws-cdk-lib's `CfnJson` synthesizes to; its `Value` attribute is its `Value` property, parsed. */
export const CFN_JSON_TYPE = 'Custom::AWSCDKCfnJson';

const MAX_DEPTH = 16;
/** Bound on the strings one value may expand to; beyond it the rest is unknown. */
const MAX_TEXTS = 256;

function capTexts(out: Text[]): Text[] {
  return out.length <= MAX_TEXTS
    ? out
    : [...out.slice(0, MAX_TEXTS), { kind: 'unknown', reason: `the value has more than ${MAX_TEXTS} possible values` }];
}

function chain(outer: string | undefined, inner: string | undefined): string | undefined {
  if (!outer) return inner;
  if (!inner) return outer;
  return `${outer}, ${inner}`;
}

function withVia<T extends { via?: string }>(x: T, via: string | undefined): T {
  return via ? { ...x, via: chain(via, x.via) } : x;
}

/** A text for messages: deploy-time parts shown as `${…}`. */
export function showText(t: Text): string {
  switch (t.kind) {
    case 'text':
      return show(t.text.split(HOLE).join('${…}'));
    case 'ref':
      return `${t.logicalId}${t.attribute ? `.${t.attribute}` : ''}`;
    case 'unknown':
      return `a value only known at deploy time (${t.reason})`;
  }
}

/** Whether a text has parts only known at deploy time. */
export function hasHole(text: string): boolean {
  return text.includes(HOLE);
}

/**
 * Every string `node` can be, flattening lists and `Fn::If` branches: a property that takes a
 * string or a list of strings (`Action`, `Principal.Service`, `ManagedPolicyArns`, `Roles`).
 * `AWS::NoValue` gives nothing. The values are the template evaluator's (`TemplateContext.evaluate`,
 * the one every rule uses); a string only partly known is its `partial` text. Never throws.
 */
export function texts(ctx: TemplateContext, node: unknown, depth = 0): Text[] {
  if (depth > MAX_DEPTH) {
    return [{ kind: 'unknown', reason: 'the value nests lists and intrinsic functions too deeply to follow' }];
  }
  if (node === undefined || node === null) {
    return [];
  }
  if (typeof node === 'string' && !node.includes('{{resolve:')) {
    return [{ kind: 'text', text: node }]; // what the evaluator gives a literal string, without its round trip
  }
  if (Array.isArray(node)) {
    return capTexts(node.flatMap((n) => texts(ctx, n, depth + 1)));
  }
  const out: Text[] = [];
  for (const c of ctx.evaluate(node)) {
    switch (c.kind) {
      case 'absent':
        break;
      case 'known':
        if (typeof c.value === 'string' || typeof c.value === 'number' || typeof c.value === 'boolean') {
          out.push(withVia<Text>({ kind: 'text', text: String(c.value) }, c.via));
        } else if (Array.isArray(c.value) || intrinsicName(c.value)) {
          // A list, or an intrinsic picked from a branch or a mapping: its own values.
          out.push(...texts(ctx, c.value, depth + 1).map((t) => withVia(t, c.via)));
        } else {
          out.push({ kind: 'unknown', reason: `${show(c.value)} is an object, not a string`, via: c.via });
        }
        break;
      case 'ref':
        out.push({ kind: 'ref', logicalId: c.logicalId, attribute: c.attribute, via: c.via });
        break;
      case 'unknown':
        out.push(c.partial !== undefined ? withVia<Text>({ kind: 'text', text: c.partial }, c.via) : { kind: 'unknown', reason: c.reason, via: c.via });
        break;
    }
  }
  return capTexts(out);
}

/**
 * Every value a structural part of a document can take: `Fn::If` branches, parameters, mappings,
 * and the parsed `Value` of a `CfnJson` resource. Never throws.
 */
export function alternatives(ctx: TemplateContext, node: unknown, depth = 0): Alternative[] {
  if (depth > MAX_DEPTH) {
    return [{ kind: 'unknown', reason: 'the value nests intrinsic functions too deeply to follow' }];
  }
  const out: Alternative[] = [];
  for (const c of ctx.evaluate(node)) {
    switch (c.kind) {
      case 'absent':
      case 'unknown':
        out.push(c);
        break;
      case 'known':
        if (isPlainObject(c.value) && intrinsicName(c.value)) {
          // A value picked from an Fn::If branch or a mapping can itself be an intrinsic.
          out.push(...alternatives(ctx, c.value, depth + 1).map((a) => withVia(a, c.via)));
        } else {
          out.push(c);
        }
        break;
      case 'ref':
        out.push(...cfnJsonValue(ctx, c.logicalId, c.attribute, depth).map((a) => withVia(a, c.via)));
        break;
    }
  }
  return out;
}

/** The parsed `Value` of a `CfnJson` resource, or unknown for any other reference. */
function cfnJsonValue(ctx: TemplateContext, logicalId: string, attribute: string | undefined, depth: number): Alternative[] {
  const where = `${logicalId}${attribute ? `.${attribute}` : ''}`;
  if (ctx.resourceType(logicalId) !== CFN_JSON_TYPE || attribute !== 'Value') {
    return [{ kind: 'unknown', reason: `${where} is only known at deploy time` }];
  }
  const resource = ctx.resource(logicalId) as Record<string, unknown>;
  const props = isPlainObject(resource.Properties) ? resource.Properties : {};
  return jsonDocument(ctx, props.Value, depth + 1).map((a) => withVia(a, `CfnJson ${logicalId}`));
}

/**
 * Every value a policy document can take: an object as it stands, or JSON text (a string, or an
 * `Fn::Join` of JSON text and intrinsics) parsed, with each intrinsic put back where it stood
 * whole and turned into a `HOLE` where it was part of a longer string.
 */
export function jsonDocument(ctx: TemplateContext, node: unknown, depth = 0): Alternative[] {
  if (depth > MAX_DEPTH) {
    return [{ kind: 'unknown', reason: 'the document nests intrinsic functions too deeply to follow' }];
  }
  if (typeof node === 'string' || intrinsicName(node) === 'Fn::Join' || intrinsicName(node) === 'Fn::Sub') {
    return [parseJsonText(ctx, node)];
  }
  return alternatives(ctx, node, depth).flatMap((a): Alternative[] => {
    if (a.kind === 'known' && typeof a.value === 'string') {
      return [withVia(parseJsonText(ctx, a.value), a.via)];
    }
    return [a];
  });
}

function parseJsonText(ctx: TemplateContext, node: unknown): Alternative {
  const parsed = parseManifestProperty(ctx, node);
  if (!parsed.ok) {
    return { kind: 'unknown', reason: parsed.reason.replace(/^the manifest/, 'the document') };
  }
  const { objects, placeholders } = parsed.manifest;
  if (objects.length !== 1) {
    return { kind: 'unknown', reason: 'the document is a JSON list, not an object' };
  }
  const substitute = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const whole = wholePlaceholderIndex(v);
      if (whole !== undefined) {
        return placeholders[whole]?.intrinsic;
      }
      return replacePlaceholders(v, HOLE);
    }
    if (Array.isArray(v)) {
      return v.map(substitute);
    }
    if (isPlainObject(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [replacePlaceholders(k, HOLE), substitute(x)]));
    }
    return v;
  };
  return { kind: 'known', value: substitute(objects[0]) };
}

// ------------------------------------------------------------------------------------ statements

/** One statement of a document, as one of the values it can take. */
export interface Statement {
  /** Dotted path of the statement inside the resource. */
  readonly path: string;
  /** Position in the `Statement` list, for messages (`statement 0`); undefined for a single object. */
  readonly index?: number;
  readonly value: Record<string, unknown>;
  readonly via?: string;
  /** The statement is there whichever branch is taken. */
  readonly always: boolean;
}

/** A part of a document that cannot be read. */
export interface Unreadable {
  readonly path: string;
  readonly reason: string;
}

export interface Statements {
  readonly statements: Statement[];
  readonly unreadable: Unreadable[];
}

/**
 * The statements of a policy document (`Statement` a list or a single object), each as every
 * value it can take. Never throws.
 */
export function statementsOf(ctx: TemplateContext, document: unknown, path: string): Statements {
  const statements: Statement[] = [];
  const unreadable: Unreadable[] = [];
  const docs = jsonDocument(ctx, document);
  for (const doc of docs) {
    if (doc.kind === 'absent') {
      continue;
    }
    if (doc.kind === 'unknown' || !isPlainObject(doc.value)) {
      unreadable.push({ path, reason: doc.kind === 'unknown' ? doc.reason : `${show(doc.value)} is not a policy document` });
      continue;
    }
    const lists = alternatives(ctx, doc.value.Statement);
    for (const list of lists) {
      const via = chain(doc.via, list.via);
      if (list.kind === 'absent') {
        continue;
      }
      if (list.kind === 'unknown') {
        unreadable.push({ path: `${path}.Statement`, reason: list.reason });
        continue;
      }
      const single = !Array.isArray(list.value);
      const entries = single ? [list.value] : (list.value as unknown[]);
      entries.forEach((entry, i) => {
        const statementPath = single ? `${path}.Statement` : `${path}.Statement.${i}`;
        const alts = single ? [{ kind: 'known' as const, value: entry }] : alternatives(ctx, entry);
        for (const alt of alts) {
          if (alt.kind === 'absent') {
            continue;
          }
          if (alt.kind === 'unknown' || !isPlainObject(alt.value)) {
            unreadable.push({ path: statementPath, reason: alt.kind === 'unknown' ? alt.reason : `${show(alt.value)} is not a statement` });
            continue;
          }
          statements.push({
            path: statementPath,
            index: single ? undefined : i,
            value: alt.value,
            via: chain(via, alt.via),
            always: docs.length === 1 && lists.length === 1 && alts.length === 1,
          });
        }
      });
    }
  }
  return { statements, unreadable };
}

/** `statement 2` / `the statement`, with how it was reached. */
export function describeStatement(s: Statement): string {
  return `${s.index === undefined ? 'the statement' : `statement ${s.index}`}${describeVia(s)}`;
}

/** Whether the statement can allow (its `Effect` is not known to be `Deny`). */
export function mayAllow(ctx: TemplateContext, s: Statement): boolean {
  return texts(ctx, s.value.Effect).some((t) => !(t.kind === 'text' && t.text === 'Deny')) || s.value.Effect === undefined;
}

/** Whether the statement allows for sure (its `Effect` is `Allow` whatever branch is taken). */
export function surelyAllows(ctx: TemplateContext, s: Statement): boolean {
  const effects = texts(ctx, s.value.Effect);
  return effects.length > 0 && effects.every((t) => t.kind === 'text' && t.text === 'Allow');
}

/** The texts of one principal type (`Service`, `Federated`, `AWS`) of a statement, or `'any'` for `"*"`. */
export function principalTexts(ctx: TemplateContext, s: Statement, type: string): { texts: Text[]; unknown: string[] } {
  const out: Text[] = [];
  const unknown: string[] = [];
  for (const p of alternatives(ctx, s.value.Principal)) {
    if (p.kind === 'unknown') {
      unknown.push(p.reason);
    } else if (p.kind === 'known' && isPlainObject(p.value)) {
      out.push(...texts(ctx, own(p.value, type)).map((t) => withVia(t, p.via)));
    }
  }
  return { texts: out, unknown };
}

// ------------------------------------------------------------------------------------ matching

/** `yes`, `no`, or `maybe` (a part is only known at deploy time). */
export type Match = 'yes' | 'no' | 'maybe';

/** Whether an IAM action pattern (`*`, `?` wildcards, case-insensitive) matches an action. */
export function actionPatternMatches(pattern: Text, action: string): Match {
  if (pattern.kind !== 'text') {
    return 'maybe';
  }
  if (hasHole(pattern.text)) {
    return globsIntersect(pattern.text, action) ? 'maybe' : 'no';
  }
  return wildcardMatches(pattern.text, action) ? 'yes' : 'no';
}

/**
 * Whether an IAM wildcard pattern (`*` any text, `?` one character) matches `text`,
 * case-insensitively. Linear backtracking on the last `*` only: no regular expression, so no
 * pattern (`*a*a*a*…`) can make it slow.
 */
export function wildcardMatches(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (j < t.length) {
    if (i < p.length && (p[i] === '?' || (p[i] !== '*' && p[i] === t[j]))) {
      i++;
      j++;
    } else if (i < p.length && p[i] === '*') {
      star = i++;
      mark = j;
    } else if (star >= 0) {
      i = star + 1;
      j = ++mark;
    } else {
      return false;
    }
  }
  while (i < p.length && p[i] === '*') i++;
  return i === p.length;
}

/**
 * Whether the statement can allow `action` through `Action` / `NotAction`: `yes` when it does
 * whatever the deploy-time values, `maybe` when that depends on them.
 */
export function allowsAction(ctx: TemplateContext, s: Statement, action: string): Match {
  if (s.value.NotAction !== undefined) {
    const excluded = texts(ctx, s.value.NotAction).map((p) => actionPatternMatches(p, action));
    if (excluded.includes('yes')) return 'no';
    return excluded.includes('maybe') ? 'maybe' : 'yes';
  }
  const actions = texts(ctx, s.value.Action);
  const verdicts = actions.map((p) => actionPatternMatches(p, action));
  if (verdicts.includes('yes')) {
    // Sure only if the matching pattern is there in every branch.
    const sure = actions.length > 0 && actions.every((a) => !a.via) && s.always;
    return sure ? 'yes' : 'maybe';
  }
  return verdicts.includes('maybe') ? 'maybe' : 'no';
}

/**
 * Whether two patterns where `HOLE` stands for any text (everything else literal,
 * case-insensitive) can match one common string.
 */
export function globsIntersect(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const seen = new Set<number>();
  const stack: Array<[number, number]> = [[0, 0]];
  const width = y.length + 1;
  while (stack.length > 0) {
    const [i, j] = stack.pop()!;
    const key = i * width + j;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === x.length && j === y.length) return true;
    if (i < x.length && x[i] === HOLE) {
      stack.push([i + 1, j]);
      if (j < y.length) stack.push([i, j + 1]);
    }
    if (j < y.length && y[j] === HOLE) {
      stack.push([i, j + 1]);
      if (i < x.length) stack.push([i + 1, j]);
    }
    if (i < x.length && j < y.length && x[i] !== HOLE && y[j] !== HOLE && x[i] === y[j]) {
      stack.push([i + 1, j + 1]);
    }
  }
  return false;
}

// ------------------------------------------------------------------------------------ conditions

/** One condition key of a statement: `StringEquals: { "<issuer>:sub": "system:serviceaccount:a:b" }`. */
export interface ConditionEntry {
  /** The operator as written (`ForAnyValue:StringLike`). */
  readonly operator: string;
  /** The key, deploy-time parts as `HOLE`. */
  readonly key: string;
  readonly values: Text[];
}

/** The conditions of a statement in one of the combinations of values they can take. */
export interface ConditionVariant {
  readonly entries: ConditionEntry[];
  /** Parts that cannot be read (a condition block only known at deploy time). */
  readonly unknown: string[];
  readonly via?: string;
}

const MAX_CONDITION_VARIANTS = 64;

/**
 * Every combination of condition entries a statement can have, following `Fn::If` on the whole
 * `Condition` and on each operator block, and `CfnJson` blocks. No `Condition` is one variant
 * without entries. Never throws.
 */
export function conditionVariants(ctx: TemplateContext, s: Statement): ConditionVariant[] {
  const out: ConditionVariant[] = [];
  for (const c of alternatives(ctx, s.value.Condition)) {
    if (c.kind === 'absent') {
      out.push({ entries: [], unknown: [], via: c.via });
      continue;
    }
    if (c.kind === 'unknown' || !isPlainObject(c.value)) {
      out.push({ entries: [], unknown: [c.kind === 'unknown' ? c.reason : `Condition ${show(c.value)} is not an object`], via: c.via });
      continue;
    }
    let variants: ConditionVariant[] = [{ entries: [], unknown: [], via: c.via }];
    for (const [operator, block] of Object.entries(c.value)) {
      const pieces: ConditionVariant[] = alternatives(ctx, block).map((b): ConditionVariant => {
        if (b.kind === 'absent') {
          return { entries: [], unknown: [], via: b.via };
        }
        if (b.kind === 'unknown' || !isPlainObject(b.value)) {
          return { entries: [], unknown: [b.kind === 'unknown' ? `${operator}: ${b.reason}` : `${operator} ${show(b.value)} is not an object`], via: b.via };
        }
        const entries = Object.entries(b.value).map(([key, value]) => ({ operator, key, values: texts(ctx, value) }));
        return { entries, unknown: [], via: b.via };
      });
      const next: ConditionVariant[] = [];
      for (const v of variants) {
        for (const p of pieces) {
          next.push({ entries: [...v.entries, ...p.entries], unknown: [...v.unknown, ...p.unknown], via: chain(v.via, p.via) });
        }
      }
      if (next.length > MAX_CONDITION_VARIANTS) {
        // Too many combinations to follow: keep what every variant has in common, unknown for the rest.
        return [{ entries: [], unknown: [`the conditions have more than ${MAX_CONDITION_VARIANTS} combinations`], via: c.via }];
      }
      variants = next;
    }
    out.push(...variants);
  }
  return out;
}

/** `StringEquals` of `ForAnyValue:StringEqualsIfExists`: the operator without set qualifier and `IfExists`. */
export function baseOperator(operator: string): string {
  return operator.replace(/^For(?:Any|All)Value:/i, '').replace(/IfExists$/i, '');
}

const POSITIVE_OPERATORS = new Set(['stringequals', 'stringequalsignorecase', 'stringlike', 'arnequals', 'arnlike']);

/** Whether the operator restricts a key to the values listed (not a negation, not `Null`). */
export function isPositiveOperator(operator: string): boolean {
  return POSITIVE_OPERATORS.has(baseOperator(operator).toLowerCase());
}

/** Whether the operator reads its values as wildcard patterns. */
export function isLikeOperator(operator: string): boolean {
  return /like$/i.test(baseOperator(operator));
}

/** Whether a condition key's known text equals `name`, case-insensitively (IAM condition keys are). */
export function keyIs(key: string, name: string): boolean {
  return !hasHole(key) && key.toLowerCase() === name.toLowerCase();
}
