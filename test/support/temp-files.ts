import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A fresh temporary directory holding the given files (paths relative to it); removed by `cleanUp`. */
export function tempFiles(files: { [relativePath: string]: string }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-hardened-eks-'));
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  created.push(dir);
  return dir;
}

const created: string[] = [];

/** Removes every directory `tempFiles` created. */
export function cleanUp(): void {
  for (const dir of created.splice(0)) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The repository's test fixtures directory. */
export const FIXTURES = path.join(__dirname, '..', 'fixtures');
