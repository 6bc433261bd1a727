import { isPlainObject } from './values';
import { RuleCatalogue } from '../rules';

/** Reasons shorter than this are refused: "ok", "n/a" and "todo" explain nothing. */
export const MIN_REASON_LENGTH = 10;

/** The metadata type under which aws-cdk-lib's `Validations.of(scope).acknowledge()` records acknowledgements. */
export const NATIVE_ACKNOWLEDGEMENT_METADATA = 'aws:cdk:acknowledged-rules';

/** The namespace of the checker's rule ids in CDK's validation output (the plugin's name). */
export const CHECKER_NAMESPACE = 'cdk-hardened-eks-imds';

/** Whether a reason explains something (long enough once trimmed). */
export function isReason(reason: unknown): reason is string {
  return typeof reason === 'string' && reason.trim().length >= MIN_REASON_LENGTH;
}

/**
 * The checker rule a CDK-native acknowledgement id names, if any: `cdk-hardened-eks-imds::<RuleId>`
 * (the id `cdk synth` prints for the checker's findings) or `Annotation::cdk-hardened-eks:<RuleId>`
 * (the id it printed for the aspect's warnings before they took the checker's namespace).
 */
export function ruleOfNativeId(id: string): string | undefined {
  const m = /^(?:cdk-hardened-eks-imds::|annotation::cdk-hardened-eks:)([A-Za-z][A-Za-z0-9]*)$/i.exec(id);
  return m && RuleCatalogue.has(m[1]) ? m[1] : undefined;
}

/**
 * The checker rules one native record (`{ [id]: reason }`, the data of a
 * NATIVE_ACKNOWLEDGEMENT_METADATA entry) acknowledges, with their trimmed reasons, in the record's
 * order: ids that name no checker rule and reasons too short to explain anything are left out.
 */
export function acknowledgedRules(data: unknown): Array<[rule: string, reason: string]> {
  const result: Array<[string, string]> = [];
  if (isPlainObject(data)) {
    for (const [id, reason] of Object.entries(data)) {
      const rule = ruleOfNativeId(id);
      if (rule && isReason(reason)) {
        result.push([rule, reason.trim()]);
      }
    }
  }
  return result;
}

/** What the engine asks of acknowledgements made on constructs: those that apply at a construct path. */
export interface ScopedAcknowledgementLookup {
  /** The acknowledgements that apply to a construct path: its own and its ancestors' (the nearest wins), in a map of the caller's own. */
  forPath(constructPath: string | undefined): Map<string, string>;
}

/**
 * Acknowledgements made on constructs (`Validations.of(scope).acknowledge()`), each applying to its
 * construct and everything below it. Paths are construct paths without a leading `/`.
 */
export class ScopedAcknowledgements implements ScopedAcknowledgementLookup {
  /** Reads the native records among metadata entries of one construct path. */
  public static fromMetadataEntries(entries: Iterable<{ path: string; type: unknown; data: unknown }>): ScopedAcknowledgements {
    const result = new ScopedAcknowledgements();
    for (const e of entries) {
      if (e.type === NATIVE_ACKNOWLEDGEMENT_METADATA) {
        result.addRecord(e.path, e.data);
      }
    }
    return result;
  }

  private readonly byPath = new Map<string, Map<string, string>>();
  /** The lengths of the recorded paths: only a prefix of one of these lengths can be recorded. */
  private readonly lengths = new Set<number>();

  /** Adds one native record (`{ [id]: reason }`) made at a construct path. */
  public addRecord(constructPath: string, data: unknown): void {
    for (const [rule, reason] of acknowledgedRules(data)) {
      const at = normalizeConstructPath(constructPath);
      let rules = this.byPath.get(at);
      if (!rules) {
        rules = new Map();
        this.byPath.set(at, rules);
        this.lengths.add(at.length);
      }
      rules.set(rule, reason);
    }
  }

  /**
   * The acknowledgements that apply to a construct path: its own and its ancestors' (the nearest
   * wins), the path's prefixes (`''`, `A`, `A/B`, ... and the path) taken outermost first. A prefix
   * is cut and looked up only where its length is that of a recorded path, so a lookup is one scan
   * of the path for `/` plus a few slices, however many components the path or records the
   * acknowledgements have.
   */
  public forPath(constructPath: string | undefined): Map<string, string> {
    const result = new Map<string, string>();
    if (constructPath === undefined || this.byPath.size === 0) {
      return result;
    }
    const at = normalizeConstructPath(constructPath);
    const apply = (end: number) => {
      for (const [rule, reason] of (this.lengths.has(end) ? this.byPath.get(at.slice(0, end)) : undefined) ?? []) {
        result.set(rule, reason);
      }
    };
    apply(0);
    if (at !== '') {
      for (let slash = at.indexOf('/'); slash !== -1; slash = at.indexOf('/', slash + 1)) {
        apply(slash);
      }
      apply(at.length);
    }
    return result;
  }
}

const SLASH = 0x2f;

/**
 * A construct path without a leading or trailing `/`, as acknowledgements are recorded (a scan from
 * each end: a regular expression anchored at the end backtracks over long runs of `/`).
 */
export function normalizeConstructPath(constructPath: string): string {
  let start = 0;
  let end = constructPath.length;
  while (start < end && constructPath.charCodeAt(start) === SLASH) {
    start++;
  }
  while (end > start && constructPath.charCodeAt(end - 1) === SLASH) {
    end--;
  }
  return start === 0 && end === constructPath.length ? constructPath : constructPath.slice(start, end);
}
