import * as fs from 'fs';
import * as nodePath from 'path';
import { errorMessage, InputError } from './input-error';

/**
 * Reads a text file, turning file system errors into a one-line `InputError`.
 *
 * @param file the path to read (also the name used in messages)
 * @param namedBy the file that names this one, when the user did not name it directly
 */
export function readText(file: string, namedBy?: string): string {
  const context = namedBy ? ` (named by ${namedBy})` : '';
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    throw fileSystemError(e, file, namedBy);
  }
  // A FIFO or a device (/dev/zero) would hang or never end: only regular files are read.
  if (stat.isDirectory()) {
    throw new InputError(`cannot read ${file}${context}: it is a directory`);
  }
  if (!stat.isFile()) {
    throw new InputError(`cannot read ${file}${context}: not a regular file`);
  }
  if (stat.size > MAX_INPUT_BYTES) {
    throw new InputError(`cannot read ${file}${context}: ${stat.size} bytes is more than the ${MAX_INPUT_BYTES / 2 ** 20} MiB the audit reads`);
  }
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw fileSystemError(e, file, namedBy);
  }
}

/** The largest file the audit reads (CloudFormation's own template limit is 1 MB; assemblies of many stacks stay far below). */
export const MAX_INPUT_BYTES = 256 * 2 ** 20;

/**
 * A file a cloud assembly names, relative to the assembly's directory; refused when it points
 * outside it (`../`, an absolute path), so a crafted manifest cannot make the audit read other files.
 */
export function fileInAssembly(dir: string, name: string, namedBy: string): string {
  const resolved = nodePath.resolve(dir, name);
  const root = nodePath.resolve(dir);
  const inside = (p: string, r: string) => p === r || p.startsWith(r + nodePath.sep);
  if (nodePath.isAbsolute(name) || !inside(resolved, root)) {
    throw new InputError(`${namedBy} names ${JSON.stringify(name)}, which is outside the cloud assembly ${dir}`);
  }
  // A symbolic link inside the assembly must not lead out of it either.
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return undefined; // does not exist (yet): reading it reports that
    }
  };
  const realFile = real(resolved);
  const realRoot = real(root);
  if (realFile && realRoot && !inside(realFile, realRoot)) {
    throw new InputError(`${namedBy} names ${JSON.stringify(name)}, a link that leads outside the cloud assembly ${dir}`);
  }
  return resolved === nodePath.join(root, name) ? nodePath.join(dir, name) : resolved;
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
