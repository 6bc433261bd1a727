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

/** Whether an error is an `InputError` (also across copies of this module). */
export function isInputError(error: unknown): error is InputError {
  return error instanceof InputError || (error instanceof Error && error.name === 'InputError');
}

/** One line: line breaks and the location suffix some parsers append are dropped. */
export function oneLine(message: string): string {
  const first = message.split(/\r?\n/).find((l) => l.trim() !== '') ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '').trim();
}
