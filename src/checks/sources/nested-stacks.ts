import * as fs from 'fs';
import * as path from 'path';
import { parseJson } from './json-text';
import { fileInAssembly, readText } from './read-file';
import { isPlainObject } from '../engine/values';

type Json = { [key: string]: unknown };

/** A nested stack of a template whose own template is a file on disk. */
export interface NestedStackTemplate {
  /** Logical id of the `AWS::CloudFormation::Stack` resource in the parent template. */
  readonly logicalId: string;
  /** The nested stack's template file. */
  readonly file: string;
}

const NESTED_STACK_TYPE = 'AWS::CloudFormation::Stack';
const ASSET_PATH = 'aws:asset:path';

/**
 * The nested stacks of a template whose templates sit next to it, as in a cloud assembly:
 * `AWS::CloudFormation::Stack` resources whose `aws:asset:path` metadata names a
 * `*.template.json` file (the CDK CLI writes this metadata), or, without that metadata (a
 * synthesis outside the CLI), whose `TemplateURL` ends with the object key of a file asset that
 * an asset manifest (`*.assets.json`) in the same directory maps to a `*.template.json` file.
 * Nested stacks whose template is elsewhere (a hand-written S3 URL) are not returned.
 */
export function nestedStackTemplates(template: Json, templateFile: string): NestedStackTemplate[] {
  const dir = path.dirname(templateFile);
  const resources = isPlainObject(template.Resources) ? template.Resources : {};
  const nested: NestedStackTemplate[] = [];
  let assets: Array<[string, string]> | undefined;
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isPlainObject(resource) || resource.Type !== NESTED_STACK_TYPE) {
      continue;
    }
    const metadata = isPlainObject(resource.Metadata) ? resource.Metadata : {};
    const assetPath = metadata[ASSET_PATH];
    if (typeof assetPath === 'string' && assetPath.endsWith('.template.json')) {
      nested.push({ logicalId, file: fileInAssembly(dir, assetPath, `${templateFile} (nested stack ${logicalId})`) });
      continue;
    }
    const url = isPlainObject(resource.Properties) ? resource.Properties.TemplateURL : undefined;
    assets ??= templateAssets(dir);
    const pieces = strings(url);
    const match = assets.find(([objectKey]) => pieces.some((s) => s === objectKey || s.endsWith(`/${objectKey}`)));
    if (match) {
      nested.push({ logicalId, file: fileInAssembly(dir, match[1], `${templateFile} (nested stack ${logicalId})`) });
    }
  }
  return nested;
}

/** `[objectKey, templateFile]` of every `*.template.json` file asset in the directory's asset manifests. */
function templateAssets(dir: string): Array<[string, string]> {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.assets.json')).sort();
  } catch {
    return [];
  }
  const result: Array<[string, string]> = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const manifest = parseJson(readText(file), file);
    const files = isPlainObject(manifest) && isPlainObject(manifest.files) ? manifest.files : {};
    for (const [hash, entry] of Object.entries(files)) {
      if (!isPlainObject(entry) || !isPlainObject(entry.source) || typeof entry.source.path !== 'string') {
        continue;
      }
      const source = entry.source.path;
      if (!source.endsWith('.template.json')) {
        continue;
      }
      const destinations = isPlainObject(entry.destinations) ? Object.values(entry.destinations) : [];
      const keys = new Set([`${hash}.json`]);
      for (const d of destinations) {
        if (isPlainObject(d) && typeof d.objectKey === 'string') {
          keys.add(d.objectKey);
        }
      }
      for (const key of keys) {
        result.push([key, source]);
      }
    }
  }
  return result;
}

/** Every string inside a value (e.g. the literal pieces of an `Fn::Join`). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') {
    return [value];
  }
  if (Array.isArray(value)) {
    return value.flatMap(strings);
  }
  if (isPlainObject(value)) {
    return Object.values(value).flatMap(strings);
  }
  return [];
}
