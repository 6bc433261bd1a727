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
  const m = /^(?:cdk-hardened-eks-imds::|annotation::cdk-hardened-eks:)([A-Za-z]+)$/i.exec(id);
  return m && RuleCatalogue.has(m[1]) ? m[1] : undefined;
}

/**
 * Acknowledgements made on constructs (`Validations.of(scope).acknowledge()`), each applying to its
 * construct and everything below it. Paths are construct paths without a leading `/`.
 */
export class ScopedAcknowledgements {
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

  /** Adds one native record (`{ [id]: reason }`) made at a construct path. */
  public addRecord(constructPath: string, data: unknown): void {
    if (!isPlainObject(data)) {
      return;
    }
    for (const [id, reason] of Object.entries(data)) {
      const rule = ruleOfNativeId(id);
      if (rule && isReason(reason)) {
        const at = normalize(constructPath);
        let rules = this.byPath.get(at);
        if (!rules) {
          rules = new Map();
          this.byPath.set(at, rules);
        }
        rules.set(rule, reason.trim());
      }
    }
  }

  /** The acknowledgements that apply to a construct path: its own and its ancestors' (the nearest wins). */
  public forPath(constructPath: string | undefined): Map<string, string> {
    const result = new Map<string, string>();
    if (constructPath === undefined || this.byPath.size === 0) {
      return result;
    }
    const parts = normalize(constructPath).split('/');
    for (let n = 0; n <= parts.length; n++) {
      for (const [rule, reason] of this.byPath.get(parts.slice(0, n).join('/')) ?? []) {
        result.set(rule, reason);
      }
    }
    return result;
  }
}

function normalize(constructPath: string): string {
  return constructPath.replace(/^\/+/, '').replace(/\/+$/, '');
}
