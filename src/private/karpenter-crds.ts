import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';

/** The Karpenter version of the CRDs vendored in `crds/` (see `crds/README.md`). */
export const VENDORED_KARPENTER_VERSION = '1.14.1';

/** The vendored CRD files, in the order they are applied. */
const CRD_FILES = [
  'karpenter.sh_nodepools.yaml',
  'karpenter.sh_nodeclaims.yaml',
  'karpenter.k8s.aws_ec2nodeclasses.yaml',
];

/** A vendored CustomResourceDefinition, parsed. */
export interface VendoredCrd {
  /** The CRD's `metadata.name`, e.g. `nodepools.karpenter.sh`. */
  readonly name: string;
  /** The CRD object, ready to apply. */
  readonly manifest: Record<string, any>;
}

let cache: VendoredCrd[] | undefined;

/**
 * The vendored Karpenter CRDs. `crds/` sits at the package root, next to `src/` (run from source
 * under ts-node or jest) and `lib/` (compiled, installed from npm), so the folder is searched
 * upwards from this file. Parsed once per process; callers get fresh copies.
 */
export function vendoredKarpenterCrds(): VendoredCrd[] {
  if (!cache) {
    const dir = findCrdDir();
    cache = CRD_FILES.map((file) => {
      const manifest = YAML.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      if (manifest?.kind !== 'CustomResourceDefinition' || typeof manifest?.metadata?.name !== 'string') {
        throw new Error(`${path.join(dir, file)} is not a CustomResourceDefinition; the package is damaged, reinstall it.`);
      }
      return { name: manifest.metadata.name, manifest };
    });
  }
  return cache.map((crd) => ({ name: crd.name, manifest: structuredClone(crd.manifest) }));
}

function findCrdDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'crds');
    if (CRD_FILES.every((file) => fs.existsSync(path.join(candidate, file)))) {
      return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      break;
    }
    dir = parent;
  }
  throw new Error(`The vendored Karpenter CRDs (${CRD_FILES.join(', ')}) were not found in a crds/ folder above ${__dirname}. ` +
    'The package ships them at its root; reinstall it, or build from a checkout that has crds/.');
}
