/**
 * How serious a finding is.
 */
export enum Severity {
  /** Fails `cdk synth` (aspect), the validation report (plugin) and the CLI (default `--fail-on error`). */
  ERROR = 'error',
  /** Reported, does not fail by default. */
  WARNING = 'warning',
}
