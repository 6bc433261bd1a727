import { RuleId } from '../rules';

/** A problem found in one resource or object, before it becomes a Finding. */
export interface Issue {
  readonly ruleId: string;
  /** Dotted path inside the resource or object. */
  readonly path: string;
  readonly message: string;
  /** For an `Unverifiable` issue: the rule that could not decide (none: no rule could, e.g. a macro). */
  readonly decides?: string;
}

/** Says how a value was reached, for messages: `2 (Fn::If IsDev true branch)`; empty when directly. */
export function describeVia(c: { readonly via?: string }): string {
  return c.via ? ` (${c.via})` : '';
}

/**
 * Collects, per rule and path, every way a value is wrong, so that one property with several
 * bad branches gives one finding that names them all.
 */
export class IssueCollector {
  /** Made on the first issue: most resources judged have none. */
  private groups?: Map<string, { ruleId: string; path: string; subject: string; phrases: string[]; decides?: string }>;

  /** `subject` is the property (e.g. `HttpPutResponseHopLimit`), `phrase` what it does (`is 2`). */
  public add(ruleId: string, path: string, subject: string, phrase: string): void {
    this.collect(ruleId, undefined, path, subject, phrase);
  }

  /**
   * An `Unverifiable` issue: the value `decides` needed is only known at deploy time
   * (`decides` undefined: nothing in the resource or template can be decided, e.g. a macro).
   */
  public unknown(decides: string | undefined, path: string, subject: string, phrase: string): void {
    this.collect(RuleId.UNVERIFIABLE, decides, path, subject, phrase);
  }

  private collect(ruleId: string, decides: string | undefined, path: string, subject: string, phrase: string): void {
    const key = `${ruleId}\u0000${decides ?? ''}\u0000${path}\u0000${subject}`;
    this.groups ??= new Map();
    const group = this.groups.get(key) ?? { ruleId, path, subject, phrases: [], ...(decides !== undefined ? { decides } : {}) };
    if (!group.phrases.includes(phrase)) {
      group.phrases.push(phrase);
    }
    this.groups.set(key, group);
  }

  public issues(): Issue[] {
    if (!this.groups) {
      return [];
    }
    return [...this.groups.values()].map((g) => ({
      ruleId: g.ruleId,
      path: g.path,
      message: `${g.subject} ${g.phrases.join('; ')}`,
      ...(g.decides !== undefined ? { decides: g.decides } : {}),
    }));
  }
}
