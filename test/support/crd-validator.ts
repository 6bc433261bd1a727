// An independent oracle for the Karpenter objects the library renders: the vendored CRDs in
// crds/ (Karpenter v1.14.1), applied the way the API server applies them to a create request:
//
// 1. the structural schema's `default`s are applied (top-down, so a defaulted object is itself
//    defaulted);
// 2. the OpenAPI v3 schema is checked with ajv (unknown fields are errors, as with
//    `kubectl apply --validate=strict`);
// 3. every `x-kubernetes-validations` CEL rule is evaluated with @marcbachmann/cel-js, `self`
//    bound to the value at the rule's level. Transition rules (those using `oldSelf`) only run on
//    updates and are skipped.
//
// Nothing here imports the library: the oracle must be able to disagree with it.
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import * as YAML from 'yaml';
import { loadEsm } from './esm';

/** One reason the API server would refuse the object. */
export interface CrdViolation {
  /** Where, e.g. `spec.amiSelectorTerms[0]` (`''` for the object itself). */
  readonly path: string;
  /** What is wrong: the CEL rule's message or the schema keyword's complaint. */
  readonly message: string;
  /** The CEL rule, for CEL violations. */
  readonly rule?: string;
}

/** The Kubernetes kinds this oracle knows, by `apiVersion` and `kind`. */
export const KNOWN_KINDS = ['karpenter.k8s.aws/v1 EC2NodeClass', 'karpenter.sh/v1 NodePool', 'karpenter.sh/v1 NodeClaim'];

const CRD_DIR = path.join(__dirname, '..', '..', 'crds');
const CRD_FILES = ['karpenter.k8s.aws_ec2nodeclasses.yaml', 'karpenter.sh_nodepools.yaml', 'karpenter.sh_nodeclaims.yaml'];

type Schema = { [keyword: string]: any };

interface LoadedCrd {
  readonly schema: Schema;
  readonly validate: ValidateFunction;
}

/**
 * Validates a Karpenter object (EC2NodeClass or NodePool, `v1`) against its vendored CRD:
 * schema and CEL rules, after the CRD's defaults are applied. An empty list means the API server
 * would accept it.
 */
export function validateKarpenterObject(object: unknown): CrdViolation[] {
  if (!isObject(object)) {
    return [{ path: '', message: `expected a Kubernetes object, got ${JSON.stringify(object)}` }];
  }
  const crd = crds().get(`${object.apiVersion} ${object.kind}`);
  if (!crd) {
    return [{ path: '', message: `no vendored CRD serves apiVersion ${JSON.stringify(object.apiVersion)} kind ${JSON.stringify(object.kind)}; known: ${KNOWN_KINDS.join(', ')}` }];
  }
  const defaulted = applyDefaults(crd.schema, clone(object));
  const violations: CrdViolation[] = [...metadataViolations(defaulted)];
  if (!crd.validate(defaulted)) {
    violations.push(...(crd.validate.errors ?? []).map(fromAjv));
  }
  evaluateRules(crd.schema, defaulted, '', violations);
  return violations;
}

/** The object with the CRD's defaults applied, as the API server would store it. */
export function withCrdDefaults<T>(object: T): T {
  const o = object as any;
  const crd = crds().get(`${o?.apiVersion} ${o?.kind}`);
  if (!crd) {
    throw new Error(`no vendored CRD for ${o?.apiVersion} ${o?.kind}`);
  }
  return applyDefaults(crd.schema, clone(o)) as T;
}

/**
 * A value CloudFormation would put in place of an intrinsic at deploy time (e.g. `subnet-…` for a
 * `Ref` to a subnet), or undefined to keep the placeholder `token<N>`.
 */
export type DeployTimeValue = (intrinsic: any, template: { Resources?: { [id: string]: any } }) => string | undefined;

/**
 * The Kubernetes objects applied by a synthesized template's `Custom::AWSCDK-EKS-KubernetesResource`
 * resources, with each deploy-time value (an intrinsic inside an `Fn::Join`) replaced by
 * `deployTimeValue`'s answer or by the string `token<N>`, so the objects can be validated offline.
 */
export function kubernetesObjectsIn(
  template: { Resources?: { [id: string]: any } }, deployTimeValue?: DeployTimeValue,
): Array<{ logicalId: string; object: any }> {
  const found: Array<{ logicalId: string; object: any }> = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource?.Type !== 'Custom::AWSCDK-EKS-KubernetesResource') {
      continue;
    }
    const value = deployTimeValue ? (intrinsic: unknown) => deployTimeValue(intrinsic, template) : undefined;
    for (const object of JSON.parse(manifestText(resource.Properties?.Manifest, value))) {
      found.push({ logicalId, object });
    }
  }
  return found;
}

function manifestText(manifest: unknown, deployTimeValue?: (intrinsic: unknown) => string | undefined): string {
  if (typeof manifest === 'string') {
    return manifest;
  }
  const join = isObject(manifest) ? manifest['Fn::Join'] : undefined;
  if (!Array.isArray(join) || join[0] !== '' || !Array.isArray(join[1])) {
    throw new Error(`cannot read a manifest computed as ${JSON.stringify(manifest)}`);
  }
  let text = '';
  let inString = false;
  let tokens = 0;
  for (const part of join[1] as unknown[]) {
    if (typeof part !== 'string') {
      const token = deployTimeValue?.(part) ?? `token${tokens++}`;
      text += inString ? token : JSON.stringify(token);
      continue;
    }
    for (let i = 0; i < part.length; i++) {
      if (part[i] === '\\') {
        i++;
      } else if (part[i] === '"') {
        inString = !inString;
      }
    }
    text += part;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// CRDs and the ajv schema

let loaded: Map<string, LoadedCrd> | undefined;

function crds(): Map<string, LoadedCrd> {
  if (loaded) {
    return loaded;
  }
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false, validateFormats: true });
  // Kubernetes formats, leniently: the API server only checks a few of them, and never int32/int64
  // beyond the integer type.
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) <= 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  loaded = new Map();
  for (const file of CRD_FILES) {
    const crd = YAML.parse(fs.readFileSync(path.join(CRD_DIR, file), 'utf8'));
    const v1 = (crd.spec.versions as any[]).find((v) => v.name === 'v1');
    const schema = v1.schema.openAPIV3Schema as Schema;
    addUnknownFormats(ajv, schema);
    loaded.set(`${crd.spec.group}/v1 ${crd.spec.names.kind}`, { schema, validate: ajv.compile(toJsonSchema(schema)) });
  }
  return loaded;
}

/** Registers, as always valid, any format the CRDs use that ajv does not know. */
function addUnknownFormats(ajv: Ajv, schema: Schema): void {
  walkSchema(schema, (s) => {
    if (typeof s.format === 'string' && !ajv.formats[s.format]) {
      ajv.addFormat(s.format, true);
    }
  });
}

/**
 * The structural schema as JSON Schema for ajv: `x-kubernetes-*` extensions dropped (their effect
 * is kept: int-or-string becomes a type union, preserve-unknown-fields keeps an object open),
 * `nullable` becomes a `null` type, and an object with declared `properties` refuses unknown
 * fields, as the API server does with strict field validation.
 */
export function toJsonSchema(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-') || key === 'description' || key === 'default' || key === 'nullable') {
      continue;
    }
    if (key === 'properties' || key === 'patternProperties') {
      out[key] = Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, toJsonSchema(v)]));
    } else if ((key === 'items' || key === 'additionalProperties' || key === 'not') && isObject(value)) {
      out[key] = toJsonSchema(value);
    } else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      out[key] = value.map((v) => toJsonSchema(v));
    } else {
      out[key] = value;
    }
  }
  if (schema['x-kubernetes-int-or-string'] === true && !schema.type && !schema.anyOf) {
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema.nullable === true && typeof out.type === 'string') {
    out.type = [out.type, 'null'];
  }
  if (schema.properties && schema.additionalProperties === undefined && schema['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

function fromAjv(e: ErrorObject): CrdViolation {
  const where = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((p, s) => (/^\d+$/.test(s) ? `${p}[${s}]` : p ? `${p}.${s}` : s), '');
  const detail = e.keyword === 'additionalProperties' ? `: unknown field ${JSON.stringify((e.params as any).additionalProperty)}`
    : e.keyword === 'enum' ? `: ${JSON.stringify((e.params as any).allowedValues)}` : '';
  return { path: where, message: `${e.message ?? e.keyword}${detail}` };
}

/** `metadata.name` as the API server checks it for a cluster-scoped custom resource. */
function metadataViolations(object: Schema): CrdViolation[] {
  const name = isObject(object.metadata) ? object.metadata.name : undefined;
  if (typeof name !== 'string' || name === '') {
    return [{ path: 'metadata.name', message: 'name is required' }];
  }
  const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
  return subdomain.test(name) && name.length <= 253 ? []
    : [{ path: 'metadata.name', message: `${JSON.stringify(name)} is not a DNS-1123 subdomain (lower case alphanumerics, '-' and '.')` }];
}

// ---------------------------------------------------------------------------------------------
// Defaults

function applyDefaults(schema: Schema, value: any): any {
  if (Array.isArray(value)) {
    return isObject(schema.items) ? value.map((v) => applyDefaults(schema.items, v)) : value;
  }
  if (!isObject(value)) {
    return value;
  }
  if (isObject(schema.properties)) {
    for (const [key, sub] of Object.entries(schema.properties as Schema)) {
      if (value[key] === undefined && sub.default !== undefined) {
        value[key] = clone(sub.default);
      }
      if (value[key] !== undefined) {
        value[key] = applyDefaults(sub, value[key]);
      }
    }
  }
  if (isObject(schema.additionalProperties)) {
    for (const key of Object.keys(value)) {
      if (!schema.properties || !(key in schema.properties)) {
        value[key] = applyDefaults(schema.additionalProperties, value[key]);
      }
    }
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// CEL

interface CelEnvironment {
  registerFunction(signature: string, handler: (...args: any[]) => unknown): CelEnvironment;
  parse(expression: string): (context: Record<string, unknown>) => unknown;
}

let celEnv: CelEnvironment | undefined;
const compiled = new Map<string, (context: Record<string, unknown>) => unknown>();

function evaluateRules(schema: Schema, value: unknown, where: string, out: CrdViolation[]): void {
  if (value === undefined || value === null) {
    return;
  }
  for (const v of (schema['x-kubernetes-validations'] ?? []) as Schema[]) {
    const rule = String(v.rule);
    if (/\boldSelf\b/.test(rule)) {
      continue; // a transition rule: only evaluated on update, against the stored object
    }
    const message = typeof v.message === 'string' ? v.message : `failed rule: ${rule}`;
    const at = typeof v.fieldPath === 'string' ? `${where}${v.fieldPath}` : where;
    try {
      const result = compile(rule)({ self: toCel(schema, value) });
      if (result !== true) {
        out.push({ path: at, message, rule });
      }
    } catch (e) {
      out.push({ path: at, message: `${message} (the rule could not be evaluated: ${(e as Error).message})`, rule });
    }
  }
  if (Array.isArray(value)) {
    if (isObject(schema.items)) {
      value.forEach((item, i) => evaluateRules(schema.items, item, `${where}[${i}]`, out));
    }
    return;
  }
  if (!isObject(value)) {
    return;
  }
  const properties = (isObject(schema.properties) ? schema.properties : {}) as Schema;
  for (const [key, sub] of Object.entries(properties)) {
    evaluateRules(sub, value[key], where ? `${where}.${key}` : key, out);
  }
  if (isObject(schema.additionalProperties)) {
    for (const [key, item] of Object.entries(value)) {
      if (!(key in properties)) {
        evaluateRules(schema.additionalProperties, item, where ? `${where}[${JSON.stringify(key)}]` : key, out);
      }
    }
  }
}

function compile(rule: string): (context: Record<string, unknown>) => unknown {
  let fn = compiled.get(rule);
  if (!fn) {
    fn = cel().parse(rule);
    compiled.set(rule, fn);
  }
  return fn;
}

/** A value as the API server hands it to CEL: integer-typed fields are CEL `int`s. */
function toCel(schema: Schema | undefined, value: unknown): unknown {
  if (typeof value === 'number') {
    return Number.isInteger(value) && (schema?.type === 'integer' || schema?.['x-kubernetes-int-or-string'] === true) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) {
    return value.map((v) => toCel(schema?.items, v));
  }
  if (isObject(value)) {
    const properties = (isObject(schema?.properties) ? schema!.properties : {}) as Schema;
    const rest = isObject(schema?.additionalProperties) ? schema!.additionalProperties : undefined;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(properties[k] ?? rest, v)]));
  }
  return value;
}

/**
 * The CEL environment with the Kubernetes library functions the Karpenter rules use beyond
 * standard CEL (`find` from the Kubernetes regex library; `split` and the rest are built in).
 */
function cel(): CelEnvironment {
  if (!celEnv) {
    const { Environment } = loadCelJs();
    celEnv = (new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false }) as CelEnvironment)
      .registerFunction('string.find(string): string', (s: string, re: string) => new RegExp(re).exec(s)?.[0] ?? '');
  }
  return celEnv;
}

/** @marcbachmann/cel-js is published as ES modules only: loaded through `loadEsm` (see esm.ts). */
function loadCelJs(): any {
  return loadEsm(require.resolve('@marcbachmann/cel-js'));
}

// ---------------------------------------------------------------------------------------------

function walkSchema(schema: Schema, visit: (s: Schema) => void): void {
  if (!isObject(schema)) {
    return;
  }
  visit(schema);
  for (const key of ['properties', 'patternProperties']) {
    for (const sub of Object.values((schema[key] ?? {}) as Schema)) {
      walkSchema(sub, visit);
    }
  }
  for (const key of ['items', 'additionalProperties', 'not']) {
    if (isObject(schema[key])) {
      walkSchema(schema[key], visit);
    }
  }
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    for (const sub of (schema[key] ?? []) as Schema[]) {
      walkSchema(sub, visit);
    }
  }
}

function isObject(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}

/**
 * Evaluates an admission policy's CEL expression on `object` as the API server would hand it over:
 * after the CRD's defaults (for a Karpenter kind), integers of the schema as CEL `int`s.
 */
export function evaluateAdmissionExpression(expression: string, object: any): unknown {
  const crd = crds().get(`${object?.apiVersion} ${object?.kind}`);
  const value = crd ? toCel(crd.schema, applyDefaults(crd.schema, clone(object))) : toCelLoose(object);
  return compile(expression)({ object: value });
}

/** Without a schema (a Pod): whole numbers as CEL `int`s. */
function toCelLoose(value: unknown): unknown {
  if (typeof value === 'number') {
    return Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) {
    return value.map(toCelLoose);
  }
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCelLoose(v)]));
  }
  return value;
}
