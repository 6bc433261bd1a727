import * as path from 'path';
import { parseCloudFormationYaml } from './cfn-yaml';
import { InputError } from './input-error';
import { looksLikeJson, parseJson } from './json-text';
import { isKubernetesObject, KubernetesObject, kubernetesObjectsOf, parseKubernetesManifest } from './kubernetes-yaml';
import { nestedStackTemplates } from './nested-stacks';
import { exists, fileInAssembly, isDirectory, readText } from './read-file';
import { ScopedAcknowledgements } from '../engine/scoped-acknowledgements';
import { append, isPlainObject } from '../engine/values';

/** A CloudFormation template read from disk. */
export interface LoadedTemplate {
  readonly kind: 'template';
  /** The template file. */
  readonly file: string;
  /** Stack path (`Stage/Stack`, `Parent/NestedLogicalId` for a nested stack), when known. */
  readonly stack?: string;
  /** The parsed template (JSON long form, also when read from YAML). */
  readonly template: { [key: string]: unknown };
  /** Construct path by logical id, from the cloud assembly's metadata (top-level stacks only). */
  readonly constructPaths?: ReadonlyMap<string, string>;
  /** The jsii type of the construct (an L2) that made each resource, by logical id, from the assembly's tree. */
  readonly constructTypes?: ReadonlyMap<string, string>;
  /** The nested stacks (`AWS::CloudFormation::Stack` logical ids) whose templates were found and loaded too. */
  readonly nestedStacks?: ReadonlySet<string>;
  /** For a nested stack's template: the parent template and the logical id of the stack resource there. */
  readonly parent?: { readonly template: { [key: string]: unknown }; readonly logicalId: string };
  /** Acknowledgements recorded on constructs (`Validations.of(scope).acknowledge()`), from the cloud assembly's metadata. */
  readonly scopedAcknowledgements?: ScopedAcknowledgements;
}

/** The Kubernetes objects of a manifest file. */
export interface LoadedManifest {
  readonly kind: 'manifest';
  /** The manifest file. */
  readonly file: string;
  /** The objects, with `List` objects already replaced by their items. */
  readonly objects: KubernetesObject[];
}

/** One input for the audit engine. */
export type LoadedInput = LoadedTemplate | LoadedManifest;

type Json = { [key: string]: unknown };

const STACK_ARTIFACT = 'aws:cloudformation:stack';
const NESTED_ASSEMBLY_ARTIFACT = 'cdk:cloud-assembly';

/** A YAML template has one of these keys at the start of a line (column 0). */
const YAML_TEMPLATE_KEY = /^["']?(?:Resources|AWSTemplateFormatVersion)["']?[ \t]*:/m;

/**
 * Loads everything the audit should look at under a path:
 *
 * - a cloud assembly directory (`cdk.out`): every stack, nested stages (`cdk:cloud-assembly`
 *   artifacts) and nested stacks included;
 * - a CloudFormation template, JSON or YAML (short-form tags included), with its nested stacks
 *   when their templates sit next to it;
 * - a Kubernetes manifest: multi-document YAML, JSON, `kind: List`.
 *
 * @throws InputError with a one-line message when the path cannot be read or understood
 */
export function loadPath(inputPath: string): LoadedInput[] {
  if (isDirectory(inputPath)) {
    return loadCloudAssembly(inputPath);
  }
  return loadFile(inputPath);
}

/**
 * Loads every stack template of a cloud assembly directory, recursing into nested stages and
 * nested stacks.
 *
 * @throws InputError if the directory has no `manifest.json` or a file it names cannot be read
 */
export function loadCloudAssembly(dir: string): LoadedInput[] {
  return loadAssembly(dir, new Set());
}

function loadAssembly(dir: string, seen: Set<string>): LoadedInput[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!exists(manifestFile)) {
    throw new InputError(`directory ${dir} is not a cloud assembly (no manifest.json)`);
  }
  const key = path.resolve(dir);
  if (seen.has(key)) {
    return [];
  }
  seen.add(key);
  const manifest = parseJson(readText(manifestFile), manifestFile);
  if (!isPlainObject(manifest) || (manifest.artifacts !== undefined && !isPlainObject(manifest.artifacts))) {
    throw new InputError(`${manifestFile} is not a cloud assembly manifest (no artifacts object)`);
  }
  const types = constructTypesOf(dir, manifestFile, manifest);
  const inputs: LoadedInput[] = [];
  for (const [id, artifact] of Object.entries((manifest.artifacts ?? {}) as Json)) {
    if (!isPlainObject(artifact)) {
      continue;
    }
    const properties = isPlainObject(artifact.properties) ? artifact.properties : {};
    if (artifact.type === STACK_ARTIFACT) {
      if (typeof properties.templateFile !== 'string') {
        throw new InputError(`${manifestFile}: stack artifact ${id} has no properties.templateFile`);
      }
      const stack = typeof artifact.displayName === 'string' ? artifact.displayName : id;
      const file = fileInAssembly(dir, properties.templateFile, `${manifestFile} (stack ${id})`);
      const template = parseJson(readText(file, manifestFile), file);
      if (!isPlainObject(template)) {
        throw new InputError(`${file} is not a CloudFormation template (not a JSON object)`);
      }
      const metadata = stackMetadata(dir, manifestFile, id, artifact);
      const scopedAcknowledgements = ScopedAcknowledgements.fromMetadataEntries(metadata);
      const tree = new StackTree(metadata, stack);
      // A nested stack is named by its construct path, as ImdsAudit.ofStack and the aspect name it.
      const loaded = withNestedStacks({ kind: 'template', file, stack, template }, seen, (parent, logicalId) => tree.nestedStackPath(parent, logicalId));
      inputs.push(...loaded.map((input) => {
        const constructPaths = tree.logicalIdPaths((input as LoadedTemplate).stack ?? stack);
        return { ...input as LoadedTemplate, constructPaths, constructTypes: ownerTypes(constructPaths, types), scopedAcknowledgements };
      }));
    } else if (artifact.type === NESTED_ASSEMBLY_ARTIFACT) {
      if (typeof properties.directoryName !== 'string') {
        throw new InputError(`${manifestFile}: nested assembly artifact ${id} has no properties.directoryName`);
      }
      const nested = fileInAssembly(dir, properties.directoryName, `${manifestFile} (nested assembly ${id})`);
      if (!exists(nested)) {
        throw new InputError(`no such directory: ${nested} (named by ${manifestFile})`);
      }
      append(inputs, loadAssembly(nested, seen));
    }
  }
  return inputs;
}

/**
 * The construct paths and construct acknowledgements the cloud assembly records for the stack whose
 * template is `templateFile` (for the validation plugin, which CDK hands template paths only).
 * Empty when the file is not a stack template of an assembly.
 */
export function assemblyContextOf(templateFile: string, cache: Map<string, unknown> = new Map()): AssemblyContext {
  const dir = path.dirname(templateFile);
  const manifestFile = path.join(dir, 'manifest.json');
  if (!exists(manifestFile)) {
    return {};
  }
  // One read of the manifest and the tree per assembly directory, however many of its stacks ask.
  const memo = <T>(key: string, make: () => T): T => {
    if (!cache.has(key)) {
      cache.set(key, make());
    }
    return cache.get(key) as T;
  };
  const manifest = memo(`manifest:${manifestFile}`, () => parseJson(readText(manifestFile), manifestFile));
  const artifacts = isPlainObject(manifest) && isPlainObject(manifest.artifacts) ? manifest.artifacts : {};
  for (const [id, artifact] of Object.entries(artifacts)) {
    if (isPlainObject(artifact) && artifact.type === STACK_ARTIFACT && isPlainObject(artifact.properties) &&
        typeof artifact.properties.templateFile === 'string' &&
        path.resolve(dir, artifact.properties.templateFile) === path.resolve(templateFile)) {
      const metadata = stackMetadata(dir, manifestFile, id, artifact);
      const constructPaths = logicalIdPaths(metadata);
      return {
        constructPaths,
        constructTypes: ownerTypes(constructPaths, memo(`tree:${dir}`, () => constructTypesOf(dir, manifestFile, manifest as Json))),
        scopedAcknowledgements: ScopedAcknowledgements.fromMetadataEntries(metadata),
        annotations: metadata
          .filter((e) => ANNOTATION_TYPES.has(String(e.type)) && typeof e.data === 'string')
          .map((e) => ({ path: e.path.replace(/^\/+/, ''), text: e.data as string })),
      };
    }
  }
  return {};
}

/** What a cloud assembly records about one stack beyond its template. */
export interface AssemblyContext extends Pick<LoadedTemplate, 'constructPaths' | 'constructTypes' | 'scopedAcknowledgements'> {
  /** The annotations (errors, warnings, infos) on the stack's constructs, as written by this synthesis. */
  readonly annotations?: ReadonlyArray<{ readonly path: string; readonly text: string }>;
}

const ANNOTATION_TYPES = new Set(['aws:cdk:error', 'aws:cdk:warning', 'aws:cdk:info']);

/** One metadata entry of a stack artifact, with the construct path it sits on. */
interface MetadataEntry {
  readonly path: string;
  readonly type: unknown;
  readonly data: unknown;
}

/**
 * The metadata entries of a stack artifact: those in the manifest and those in its
 * `additionalMetadataFile` (where aws-cdk-lib ≥ 2.26x writes them).
 */
function stackMetadata(dir: string, manifestFile: string, id: string, artifact: Json): MetadataEntry[] {
  const entries: MetadataEntry[] = [];
  const add = (metadata: unknown) => {
    if (!isPlainObject(metadata)) {
      return;
    }
    for (const [constructPath, list] of Object.entries(metadata)) {
      for (const e of Array.isArray(list) ? list : []) {
        if (isPlainObject(e)) {
          entries.push({ path: constructPath, type: e.type, data: e.data });
        }
      }
    }
  };
  add(artifact.metadata);
  if (typeof artifact.additionalMetadataFile === 'string') {
    const file = fileInAssembly(dir, artifact.additionalMetadataFile, `${manifestFile} (stack ${id})`);
    if (exists(file)) {
      add(parseJson(readText(file, manifestFile), file));
    }
  }
  return entries;
}

/**
 * The jsii type of every construct of the assembly's tree (`tree.json`, and the forest files CDK
 * splits a very large tree into), by construct path. Empty when the assembly has no tree.
 */
function constructTypesOf(dir: string, manifestFile: string, manifest: Json): Map<string, string> {
  const types = new Map<string, string>();
  const artifacts = isPlainObject(manifest.artifacts) ? manifest.artifacts : {};
  const tree = Object.values(artifacts).find((a) => isPlainObject(a) && a.type === 'cdk:tree') as Json | undefined;
  const treeFile = isPlainObject(tree?.properties) && typeof tree.properties.file === 'string' ? tree.properties.file : undefined;
  if (!treeFile) {
    return types;
  }
  const files = new Map<string, unknown>();
  const read = (name: string): unknown => {
    if (!files.has(name)) {
      const file = fileInAssembly(dir, name, manifestFile);
      files.set(name, exists(file) ? parseJson(readText(file, manifestFile), file) : undefined);
    }
    return files.get(name);
  };
  const root = read(treeFile);
  // Iterative, so a deep tree cannot overflow the stack; each node is visited once.
  const pending: unknown[] = [isPlainObject(root) ? root.tree : undefined];
  while (pending.length > 0) {
    const node = pending.pop();
    if (!isPlainObject(node)) {
      continue;
    }
    if (typeof node.fileName === 'string' && typeof node.treeId === 'string') {
      const forest = read(node.fileName);
      pending.push(isPlainObject(forest) && isPlainObject(forest.forest) ? forest.forest[node.treeId] : undefined);
      continue;
    }
    const fqn = isPlainObject(node.constructInfo) ? node.constructInfo.fqn : undefined;
    if (typeof node.path === 'string' && typeof fqn === 'string') {
      types.set(node.path, fqn);
    }
    if (isPlainObject(node.children)) {
      append(pending, Object.values(node.children));
    }
  }
  return types;
}

/** For each logical id whose L1 is an L2's default child (`.../Resource`, `.../Default`), the L2's type. */
function ownerTypes(paths: ReadonlyMap<string, string>, types: ReadonlyMap<string, string>): Map<string, string> {
  const result = new Map<string, string>();
  for (const [logicalId, constructPath] of paths) {
    const cut = constructPath.lastIndexOf('/');
    const last = constructPath.slice(cut + 1);
    const owner = cut > 0 && (last === 'Resource' || last === 'Default') ? types.get(constructPath.slice(0, cut)) : undefined;
    if (owner) {
      result.set(logicalId, owner);
    }
  }
  return result;
}

/** Construct path by logical id, from `aws:cdk:logicalId` entries (which CDK always writes). */
function logicalIdPaths(entries: MetadataEntry[]): Map<string, string> {
  return new StackTree(entries, '').logicalIdPaths('');
}

/**
 * The construct paths a stack artifact's metadata records (`aws:cdk:logicalId` entries), for the
 * stack and its nested stacks (whose constructs CDK records in the parent's artifact): which
 * logical id is which construct in which (nested) stack, and the construct path of each nested
 * stack (`Parent/Nested`, the path `ImdsAudit.ofStack(nested)` reports).
 */
class StackTree {
  /** The `<scope>/<id>.NestedStack/<id>.NestedStackResource` construct aws-cdk-lib makes for a nested stack `<scope>/<id>`. */
  private static readonly NESTED_RESOURCE = /^(.*)\/([^/]+)\.NestedStack\/\2\.NestedStackResource$/;
  private readonly entries: Array<{ logicalId: string; path: string }> = [];
  /** Construct paths of the nested stacks found so far (the stack's own constructs are outside them). */
  private readonly nested = new Set<string>();

  private readonly byLogicalId = new Map<string, string[]>();

  constructor(metadata: MetadataEntry[], private readonly stackPath: string) {
    for (const e of metadata) {
      if (e.type === 'aws:cdk:logicalId' && typeof e.data === 'string') {
        const entry = { logicalId: e.data, path: e.path.replace(/^\/+/, '') };
        this.entries.push(entry);
        const same = this.byLogicalId.get(entry.logicalId);
        if (same) {
          same.push(entry.path);
        } else {
          this.byLogicalId.set(entry.logicalId, [entry.path]);
        }
      }
    }
  }

  /** Construct path by logical id for the (nested) stack at `stackPath`, not counting its nested stacks' constructs. */
  public logicalIdPaths(stackPath: string): Map<string, string> {
    const paths = new Map<string, string>();
    const top = stackPath === this.stackPath || stackPath === '';
    for (const { logicalId, path: p } of this.entries) {
      const owner = this.ownerOf(p);
      if ((top ? owner === undefined : owner === stackPath) && !paths.has(logicalId)) {
        paths.set(logicalId, p);
      }
    }
    return paths;
  }

  /** The construct path of the nested stack a parent's `AWS::CloudFormation::Stack` resource deploys. */
  public nestedStackPath(parentStack: string, logicalId: string): string {
    const top = parentStack === this.stackPath || parentStack === '';
    const resource = (this.byLogicalId.get(logicalId) ?? []).find((p) => (top ? this.ownerOf(p) === undefined : this.ownerOf(p) === parentStack));
    const m = resource === undefined ? null : StackTree.NESTED_RESOURCE.exec(resource);
    const name = m ? `${m[1]}/${m[2]}` : `${parentStack}/${logicalId}`;
    this.nested.add(name);
    return name;
  }

  /** The innermost nested stack a construct path is inside, if any (one set lookup per path segment). */
  private ownerOf(constructPath: string): string | undefined {
    if (this.nested.size === 0) {
      return undefined;
    }
    for (let cut = constructPath.lastIndexOf('/'); cut > 0; cut = constructPath.lastIndexOf('/', cut - 1)) {
      const prefix = constructPath.slice(0, cut);
      if (this.nested.has(prefix)) {
        return prefix;
      }
    }
    return undefined;
  }
}

/**
 * Loads one file: a CloudFormation template (with the nested stack templates next to it), a
 * Kubernetes manifest, or a cloud assembly's `manifest.json`.
 *
 * @throws InputError if the file cannot be read or is neither a template nor a manifest
 */
export function loadFile(file: string): LoadedInput[] {
  const text = readText(file);
  let objects: KubernetesObject[];
  if (looksLikeJson(text, file)) {
    const value = parseJson(text, file);
    if (isTemplate(value)) {
      return withNestedStacks({ kind: 'template', file, template: value }, new Set());
    }
    if (path.basename(file) === 'manifest.json' && isPlainObject(value) && isPlainObject(value.artifacts)) {
      return loadCloudAssembly(path.dirname(file));
    }
    objects = kubernetesObjectsOf([value], file);
  } else {
    if (YAML_TEMPLATE_KEY.test(text)) {
      const value = parseCloudFormationYaml(text, file);
      if (isTemplate(value)) {
        return withNestedStacks({ kind: 'template', file, template: value }, new Set());
      }
    }
    objects = parseKubernetesManifest(text, file);
  }
  if (!objects.some(isKubernetesObject)) {
    throw new InputError(
      `${file} is neither a CloudFormation template (no Resources) nor a Kubernetes manifest (no object with apiVersion and kind)`,
    );
  }
  return [{ kind: 'manifest', file, objects }];
}

/**
 * The template followed by the templates of its nested stacks (recursively), found next to it
 * (see `nestedStackTemplates`). A nested stack's path is given by `nameOf` (in a cloud assembly its
 * construct path; for a template file, `Parent/NestedLogicalId`).
 */
function withNestedStacks(
  input: LoadedTemplate, seen: Set<string>, nameOf: (parentStack: string, logicalId: string) => string = (parent, id) => (parent ? `${parent}/${id}` : id),
): LoadedInput[] {
  const key = path.resolve(input.file);
  if (seen.has(key)) {
    return [];
  }
  seen.add(key);
  const found = new Set<string>();
  const children: LoadedInput[] = [];
  for (const { logicalId, file } of nestedStackTemplates(input.template, input.file)) {
    const template = parseJson(readText(file, `nested stack ${logicalId} in ${input.file}`), file);
    if (!isPlainObject(template)) {
      throw new InputError(`${file} is not a CloudFormation template (not a JSON object)`);
    }
    found.add(logicalId);
    const stack = nameOf(input.stack ?? '', logicalId);
    append(children, withNestedStacks({ kind: 'template', file, stack, template, parent: { template: input.template, logicalId } }, seen, nameOf));
  }
  return [{ ...input, nestedStacks: found }, ...children];
}

function isTemplate(value: unknown): value is Json {
  return isPlainObject(value) && ('Resources' in value || 'AWSTemplateFormatVersion' in value);
}
