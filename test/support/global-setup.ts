// Jest global setup: every temporary file of the run (each `new App()` outside the CDK CLI writes
// its cloud assembly, kubectl layer asset included, to a fresh directory under the system temp
// directory; a full run writes about 1.7 GB) goes into one directory that the teardown removes.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export default function globalSetup(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-hardened-eks-jest-'));
  process.env.CDK_HARDENED_EKS_TEST_TMPDIR = dir;
  // Read by os.tmpdir() in the test workers, which start after this.
  process.env.TMPDIR = dir;
}
