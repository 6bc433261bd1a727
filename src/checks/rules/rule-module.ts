import { RuleDefinition } from './rule';

/** A rule as its file declares it (the registry resolves what it judges). */
export interface RuleModule extends RuleDefinition {
  /** The rule also judges everything any other rule judges (`Unverifiable`). */
  readonly judgesEverythingJudged?: boolean;
}
