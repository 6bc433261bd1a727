/**
 * Input that cannot be read: a missing file, malformed JSON or YAML, a directory that is not a
 * cloud assembly. The message is one line that names the file and, when known, the place.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** Whether an error is an `InputError` (also across copies of this module and across realms). */
export function isInputError(error: unknown): error is InputError {
  return error instanceof InputError || (typeof error === 'object' && error !== null && (error as Error).name === 'InputError');
}

/** The message of anything thrown (`instanceof Error` fails for errors from another realm). */
export function errorMessage(error: unknown): string {
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(error);
}

/** One line: line breaks and the location suffix some parsers append are dropped. */
export function oneLine(message: string): string {
  const first = message.split(/\r?\n/).find((l) => l.trim() !== '') ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '').trim();
}
