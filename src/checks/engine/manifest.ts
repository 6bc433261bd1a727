import { skimJson, SkimmedItem } from './json-skim';
import { Candidate, intrinsicName, isPlainObject, show, TemplateContext } from './values';

/**
 * Reads the `Manifest` of a `Custom::AWSCDK-EKS-KubernetesResource`: a JSON string, or an
 * `Fn::Join` whose parts mix JSON text with intrinsics. Each intrinsic is held as an opaque
 * placeholder string; the engine knows whether it sat inside a JSON string (part of a longer
 * string) or stood as a whole JSON value (where it could be, say, the hop limit).
 */

const PLACEHOLDER_PREFIX = '__CDK_HARDENED_EKS_TOKEN_';
const PLACEHOLDER = /__CDK_HARDENED_EKS_TOKEN_(\d+)__/;
const ALL_PLACEHOLDERS = /__CDK_HARDENED_EKS_TOKEN_\d+__/g;
const WHOLE_PLACEHOLDER = /^__CDK_HARDENED_EKS_TOKEN_(\d+)__$/;

/**
 * Literal manifests shorter than this are parsed whole, without skimming them first: building a
 * small unjudged object costs less than the skim, which is wasted on a manifest whose objects are
 * all judged (a node class, a pod: parsed whole after the skim). The Karpenter CRDs the skim is
 * for are tens of kilobytes each.
 */
const OUTLINE_MIN_LENGTH = 4096;

/** The text that stands for the intrinsic number `index` in a parsed Fn::Join of JSON. */
export function placeholderText(index: number): string {
  return `__CDK_HARDENED_EKS_TOKEN_${index}__`;
}

/** An intrinsic held in place of a value inside a manifest. */
export interface Placeholder {
  /** The intrinsic, as written in the template. */
  readonly intrinsic: unknown;
  /** Whether it stood as a whole JSON value (outside any string literal). */
  readonly raw: boolean;
  /** The values the intrinsic can take, as CloudFormation would resolve it. */
  readonly candidates: Candidate[];
}

/** A placeholder whose values are worked out the first time a rule asks (IAM documents never do). */
class EvaluatedOnDemand implements Placeholder {
  private evaluated?: Candidate[];
  constructor(private readonly ctx: TemplateContext, public readonly intrinsic: unknown, public readonly raw: boolean) {}

  public get candidates(): Candidate[] {
    this.evaluated ??= this.ctx.evaluate(this.intrinsic);
    return this.evaluated;
  }
}

export interface ParsedManifest {
  readonly objects: unknown[];
  readonly placeholders: Placeholder[];
  /** Whether the text was a JSON list (its items are `objects`) rather than one value. */
  readonly list: boolean;
}

export type ManifestParse = { ok: true; manifest: ParsedManifest } | { ok: false; reason: string };

/** The index of the placeholder a string value is, when it is exactly one (a whole value). */
export function wholePlaceholderIndex(value: unknown): number | undefined {
  const m = typeof value === 'string' ? WHOLE_PLACEHOLDER.exec(value) : null;
  return m ? Number(m[1]) : undefined;
}

/** `value` with every placeholder in it replaced by `replacement`. */
export function replacePlaceholders(value: string, replacement: string): string {
  return value.replace(ALL_PLACEHOLDERS, replacement);
}

/** Whether a string value contains a placeholder. */
export function hasPlaceholder(value: unknown): boolean {
  return typeof value === 'string' && PLACEHOLDER.test(value);
}

/**
 * Reads a manifest property (see the module comment).
 *
 * @param unjudged when given, a manifest written as one literal string (no intrinsic in it) is
 * skimmed first: each top-level object whose `apiVersion` and `kind` this says no rule reads is not
 * materialized, and stands in `objects` as `{ apiVersion, kind }` only (the rest of its text is
 * checked to be JSON, never built). Anything the skim cannot vouch for is parsed as before. A
 * manifest shorter than OUTLINE_MIN_LENGTH is parsed without the skim.
 */
export function parseManifestProperty(
  ctx: TemplateContext, manifest: unknown, unjudged?: (apiVersion: string, kind: string) => boolean,
): ManifestParse {
  if (unjudged && typeof manifest === 'string' && manifest.length >= OUTLINE_MIN_LENGTH && !manifest.includes(PLACEHOLDER_PREFIX)) {
    const outlined = outlineUnjudged(manifest, unjudged);
    if (outlined) {
      return { ok: true, manifest: outlined };
    }
  }
  const pieces: Array<string | { intrinsic: unknown }> = [];
  if (!flatten(manifest, pieces, 0)) {
    return { ok: false, reason: `the manifest is ${show(manifest)}, computed at deploy time` };
  }
  const placeholders: Placeholder[] = [];
  let text = '';
  let inString = false;
  let escaped = false;
  // Whether an intrinsic sits inside a JSON string depends on the quotes before it: only text
  // followed by an intrinsic is scanned, and only its quotes and backslashes are visited (linear).
  const lastIntrinsic = pieces.reduce((last, p, i) => (typeof p === 'string' ? last : i), -1);
  for (const [i, piece] of pieces.entries()) {
    if (typeof piece === 'string') {
      if (i < lastIntrinsic) {
        // Index of the character a backslash escapes (the first of this piece when the last one ended in one).
        let skip: number = escaped ? 0 : -1;
        escaped = false;
        // The next quote and the next backslash, each found once (indexOf: no match objects).
        let quote = piece.indexOf('"');
        let backslash = piece.indexOf('\\');
        while (quote !== -1 || backslash !== -1) {
          const isQuote = backslash === -1 || (quote !== -1 && quote < backslash);
          const at = isQuote ? quote : backslash;
          if (isQuote) {
            quote = piece.indexOf('"', at + 1);
          } else {
            backslash = piece.indexOf('\\', at + 1);
          }
          if (at === skip) {
            continue;
          }
          if (isQuote) {
            inString = !inString;
          } else if (inString) {
            skip = at + 1;
          }
        }
        escaped = skip === piece.length;
      }
      text += piece;
      continue;
    }
    const index = placeholders.length;
    const token = placeholderText(index);
    placeholders.push(new EvaluatedOnDemand(ctx, piece.intrinsic, !inString));
    text += inString ? token : JSON.stringify(token);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { ok: false, reason: `the manifest is not valid JSON (${(e as Error).message})` };
  }
  return { ok: true, manifest: { objects: Array.isArray(parsed) ? parsed : [parsed], placeholders, list: Array.isArray(parsed) } };
}

/**
 * A literal manifest whose objects no rule reads, outlined instead of parsed: undefined unless the
 * skim read the whole text as JSON and at least one top-level object can stand as its
 * `{ apiVersion, kind }`. The other items are parsed from their own slice of the text, which
 * `JSON.parse` reads as it reads them inside the whole.
 */
function outlineUnjudged(text: string, unjudged: (apiVersion: string, kind: string) => boolean): ParsedManifest | undefined {
  const skim = skimJson(text);
  if (!skim) {
    return undefined;
  }
  const outlined = (item: SkimmedItem): boolean =>
    item.object && !item.escaped && item.apiVersion !== undefined && item.kind !== undefined &&
    // A `List` kind holds items to judge (see expandList).
    !item.kind.endsWith('List') && unjudged(item.apiVersion, item.kind);
  if (!skim.items.some(outlined)) {
    return undefined;
  }
  const objects = skim.items.map((item) => (outlined(item)
    ? { apiVersion: item.apiVersion, kind: item.kind }
    : JSON.parse(text.slice(item.start, item.end))));
  return { objects, placeholders: [], list: skim.list };
}

/** Flattens a string / nested `Fn::Join` into text and intrinsic pieces; false if it cannot. */
function flatten(node: unknown, out: Array<string | { intrinsic: unknown }>, depth: number): boolean {
  if (typeof node === 'string') {
    out.push(node);
    return true;
  }
  if (depth > 0 && (typeof node === 'number' || typeof node === 'boolean')) {
    out.push(String(node));
    return true;
  }
  const fn = intrinsicName(node);
  if (fn === 'Fn::Sub' && depth < 16) {
    // `${Name}` holes become the intrinsic they stand for; `${!Name}` is the literal text `${Name}`.
    const arg = (node as Record<string, unknown>)[fn];
    const [template, variables] = Array.isArray(arg) ? arg : [arg, undefined];
    if (typeof template !== 'string') {
      return false;
    }
    for (const part of template.split(/(\$\{!?[^}]*\})/)) {
      const m = /^\$\{(!?)([^}]*)\}$/.exec(part);
      if (!m) {
        out.push(part);
      } else if (m[1]) {
        out.push(`\${${m[2]}}`);
      } else {
        const name = m[2];
        const bound = isPlainObject(variables) && Object.prototype.hasOwnProperty.call(variables, name) ? variables[name] : undefined;
        const intrinsic = bound !== undefined ? bound
          : name.includes('.') ? { 'Fn::GetAtt': [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)] } : { Ref: name };
        if (!flatten(intrinsic, out, depth + 1)) {
          out.push({ intrinsic });
        }
      }
    }
    return true;
  }
  if (fn === 'Fn::Join' && depth < 16) {
    const arg = (node as Record<string, unknown>)[fn];
    if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string' || !Array.isArray(arg[1])) {
      return false;
    }
    const [sep, parts] = arg as [string, unknown[]];
    parts.forEach((part, i) => {
      if (i > 0 && sep) out.push(sep);
      if (!flatten(part, out, depth + 1)) {
        out.push({ intrinsic: part });
      }
    });
    return true;
  }
  return false;
}
