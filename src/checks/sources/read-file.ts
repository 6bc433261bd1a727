import * as fs from 'fs';
import { errorMessage, InputError } from './input-error';

/**
 * Reads a text file, turning file system errors into a one-line `InputError`.
 *
 * @param file the path to read (also the name used in messages)
 * @param namedBy the file that names this one, when the user did not name it directly
 */
export function readText(file: string, namedBy?: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw fileSystemError(e, file, namedBy);
  }
}

/** Whether the path is a directory; throws `InputError` when it does not exist or cannot be read. */
export function isDirectory(path: string, namedBy?: string): boolean {
  try {
    return fs.statSync(path).isDirectory();
  } catch (e) {
    throw fileSystemError(e, path, namedBy);
  }
}

/** Whether a file or directory exists at the path. */
export function exists(path: string): boolean {
  return fs.existsSync(path);
}

function fileSystemError(error: unknown, path: string, namedBy: string | undefined): InputError {
  const code = (error as NodeJS.ErrnoException)?.code;
  const context = namedBy ? ` (named by ${namedBy})` : '';
  switch (code) {
    case 'ENOENT':
      return new InputError(`no such file: ${path}${context}`);
    case 'EACCES':
    case 'EPERM':
      return new InputError(`cannot read ${path}${context}: permission denied`);
    case 'EISDIR':
      return new InputError(`cannot read ${path}${context}: it is a directory`);
    default:
      return new InputError(`cannot read ${path}${context}: ${code ?? errorMessage(error)}`);
  }
}
