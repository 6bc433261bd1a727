import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { HardenedEksError } from '../private/errors';

/** A chart version as `MAJOR.MINOR.PATCH` (no leading `v`). */
export function validateChartVersion(scope: IConstruct, prop: string, version: string, example: string): string {
  if (!Token.isUnresolved(version) && !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new HardenedEksError('InvalidAddonVersion', scope,
      `${prop} is "${version}"; give the chart version as MAJOR.MINOR.PATCH without a leading "v", e.g. "${example}".`);
  }
  return version;
}

/** A replica count: a whole number of at least 1. */
export function validateReplicas(scope: IConstruct, prop: string, replicas: number): number {
  if (!Token.isUnresolved(replicas) && (!Number.isInteger(replicas) || replicas < 1)) {
    throw new HardenedEksError('InvalidAddonReplicas', scope,
      `${prop} is ${replicas}; use a whole number of at least 1 (2 keeps the controller available while one pod restarts).`);
  }
  return replicas;
}

/**
 * Refuses Helm values the construct owns: the ones that keep the add-on off IMDS (`owned`, dotted
 * paths) and its Pod Identity service account (`serviceAccount`, at the dotted path
 * `serviceAccountPath`): a different name, `create: false`, or an IRSA role annotation.
 */
export function refuseOwnedValues(
  scope: IConstruct, values: { [key: string]: any }, owned: string[], why: string,
  serviceAccountPath: string, serviceAccount: string,
): void {
  const at = (path: string) => path.split('.').reduce<any>((v, k) => (v !== null && typeof v === 'object' && k in v ? v[k] : undefined), values);
  for (const path of owned) {
    if (at(path) !== undefined) {
      throw new HardenedEksError('AddonValueOwned', scope, `helmValues.${path} is set; ${why} Remove it.`);
    }
  }
  const sa = at(serviceAccountPath) ?? {};
  if (sa.name !== undefined && sa.name !== serviceAccount) {
    throw new HardenedEksError('AddonServiceAccountFixed', scope,
      `helmValues.${serviceAccountPath}.name is "${sa.name}"; it must stay "${serviceAccount}", the service account the ` +
      'Pod Identity association and the role trust name. Remove it from helmValues.');
  }
  if (sa.create === false) {
    throw new HardenedEksError('AddonServiceAccountFixed', scope,
      `helmValues.${serviceAccountPath}.create is false; the chart creates the service account the Pod Identity association names. Remove it.`);
  }
  if (sa.annotations && typeof sa.annotations === 'object' && 'eks.amazonaws.com/role-arn' in sa.annotations) {
    throw new HardenedEksError('AddonIrsaAnnotation', scope,
      `helmValues.${serviceAccountPath}.annotations sets "eks.amazonaws.com/role-arn" (IRSA). The add-on gets its credentials ` +
      'through Pod Identity (identity); an IRSA annotation would take precedence in the SDK. Remove it.');
  }
}

/** `over` merged into `base`, objects key by key (lists and scalars of `over` win). */
export function mergeValues(base: { [key: string]: any }, over: { [key: string]: any }): { [key: string]: any } {
  const result: { [key: string]: any } = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const mergeable = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v) && !Token.isUnresolved(v);
    result[key] = mergeable(value) && mergeable(base[key]) ? mergeValues(base[key], value) : value;
  }
  return result;
}

/**
 * The user's entries of an `env`-style list (`helmValues.<prop>`), refused when they set the region
 * the construct gives the add-on (it would otherwise ask IMDS, which fails at hop limit 1).
 */
export function userEnvWithoutRegion(scope: IConstruct, values: { [key: string]: any }, prop: string): unknown[] {
  const env: unknown = values[prop] ?? [];
  if (!Array.isArray(env) || env.some((e: any) => ['AWS_REGION', 'AWS_DEFAULT_REGION'].includes(e?.name))) {
    throw new HardenedEksError('AddonValueOwned', scope,
      `helmValues.${prop} must be a list of { name, value } without AWS_REGION / AWS_DEFAULT_REGION: the construct gives the ` +
      'add-on its region (it would otherwise ask IMDS, which fails at hop limit 1).');
  }
  return env;
}
