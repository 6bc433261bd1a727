import { Aspects, AspectPriority, CfnResource, IAspect } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ACKNOWLEDGEMENT_METADATA_KEY } from './engine/acknowledgements';
import { isReason, MIN_REASON_LENGTH } from './engine/scoped-acknowledgements';
import { RuleCatalogue } from './rules';

/**
 * An acknowledged finding: a rule id and the written reason it is acceptable here.
 */
export interface Acknowledgement {
  /** The rule id (see `RuleId`), e.g. `Unverifiable`. */
  readonly ruleId: string;
  /**
   * Why the finding is acceptable, for the reviewer who reads the report. Required: an
   * acknowledgement without a reason is refused.
   */
  readonly reason: string;
}


/**
 * Acknowledges IMDS checker findings on a construct and every construct below it.
 *
 * Acknowledged findings no longer fail `cdk synth`, the validation report or the CLI, but stay in
 * every report, marked as acknowledged with their reason. The acknowledgement is written into the
 * synthesized template as resource metadata, so the CLI run on `cdk.out` sees it too.
 */
export class ImdsAcknowledgements {
  /**
   * Acknowledges findings on `scope` and its children (including children added later).
   *
   * @param scope the construct whose resources the acknowledgements apply to
   * @param acknowledgements the rule ids and the reason for each
   */
  public static add(scope: IConstruct, acknowledgements: Acknowledgement[]): void {
    if (acknowledgements.length === 0) {
      throw new Error(`ImdsAcknowledgements.add(${scope.node.path}): acknowledgements is empty; pass at least one { ruleId, reason }.`);
    }
    for (const a of acknowledgements) {
      if (!RuleCatalogue.has(a.ruleId)) {
        throw new Error(
          `ImdsAcknowledgements.add(${scope.node.path}): ruleId '${a.ruleId}' is not a rule of the IMDS checker. ` +
          `Use one of: ${RuleCatalogue.all().map((r) => r.id).join(', ')}.`,
        );
      }
      if (!isReason(a.reason)) {
        throw new Error(
          `ImdsAcknowledgements.add(${scope.node.path}): the reason for '${a.ruleId}' is ${JSON.stringify(a.reason)}; ` +
          `write why the finding is acceptable here (at least ${MIN_REASON_LENGTH} characters), for the reviewer who reads the report.`,
        );
      }
    }
    Aspects.of(scope).add(new AcknowledgementWriter(acknowledgements), { priority: AspectPriority.MUTATING });
  }

  private constructor() {}
}

/** Writes acknowledgements into the metadata of every CloudFormation resource under a scope. */
class AcknowledgementWriter implements IAspect {
  constructor(private readonly acknowledgements: Acknowledgement[]) {}

  public visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node)) {
      return;
    }
    const existing = node.getMetadata(ACKNOWLEDGEMENT_METADATA_KEY) as { acknowledgements?: Acknowledgement[] } | undefined;
    const merged = [...(existing?.acknowledgements ?? [])];
    for (const a of this.acknowledgements) {
      const entry = { ruleId: a.ruleId, reason: a.reason.trim() };
      if (!merged.some((m) => m.ruleId === entry.ruleId && m.reason === entry.reason)) {
        merged.push(entry);
      }
    }
    node.addMetadata(ACKNOWLEDGEMENT_METADATA_KEY, { acknowledgements: merged });
  }
}
