// Jest global teardown: removes the run's temporary directory (see global-setup.ts).
import * as fs from 'fs';

export default function globalTeardown(): void {
  const dir = process.env.CDK_HARDENED_EKS_TEST_TMPDIR;
  if (dir && dir.includes('cdk-hardened-eks-jest-')) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
