import { YAMLError } from 'yaml';
import { InputError, oneLine } from './input-error';

/** An `InputError` for the first YAML parse error: `cannot parse YAML in <file> at line L, column C: <what>`. */
export function yamlInputError(error: YAMLError, file: string): InputError {
  const pos = error.linePos?.[0];
  const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
  return new InputError(`cannot parse YAML in ${file}${where}: ${oneLine(error.message)}`);
}
