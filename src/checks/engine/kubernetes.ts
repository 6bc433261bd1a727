import { Issue, IssueCollector, describeVia } from './issues';
import { Placeholder, hasPlaceholder, replacePlaceholders, wholePlaceholderIndex } from './manifest';
import { judgeTokensValue, reasonOf } from './metadata-options';
import { AuditResult, AuditSource } from './result';
import { toFindings } from './to-findings';
import { append, Candidate, Counter, isPlainObject, own, show } from './values';
import { RuleId } from '../rules';


/** Annotation prefix that acknowledges a finding on a Kubernetes object: `<prefix><RuleId>: <reason>`. */
export const ACKNOWLEDGE_ANNOTATION_PREFIX = 'imds.cdk-hardened-eks.io/acknowledge-';

const WORKLOAD_KINDS: Record<string, { groups: string[]; podSpec: string[] }> = {
  Pod: { groups: [''], podSpec: ['spec'] },
  Deployment: { groups: ['apps', 'extensions'], podSpec: ['spec', 'template', 'spec'] },
  DaemonSet: { groups: ['apps', 'extensions'], podSpec: ['spec', 'template', 'spec'] },
  StatefulSet: { groups: ['apps'], podSpec: ['spec', 'template', 'spec'] },
  ReplicaSet: { groups: ['apps', 'extensions'], podSpec: ['spec', 'template', 'spec'] },
  Job: { groups: ['batch'], podSpec: ['spec', 'template', 'spec'] },
  CronJob: { groups: ['batch'], podSpec: ['spec', 'jobTemplate', 'spec', 'template', 'spec'] },
  ReplicationController: { groups: [''], podSpec: ['spec', 'template', 'spec'] },
  PodTemplate: { groups: [''], podSpec: ['template', 'spec'] },
};

/**
 * The kinds a `KubernetesPatch` can change in a way the rules judge: the EC2NodeClass (v1, the
 * version whose defaults a patch is judged against) and every workload kind, with their API groups.
 */
export const PATCHED_KINDS: ReadonlyArray<{ readonly kind: string; readonly groups: readonly string[]; readonly version: string }> = [
  { kind: 'EC2NodeClass', groups: ['karpenter.k8s.aws'], version: 'v1' },
  ...Object.entries(WORKLOAD_KINDS).map(([kind, { groups }]) => ({ kind, groups, version: 'v1' })),
];

/** The node-setting kinds `judgeKubernetesObject` reads, as `group/Kind`. */
const NODE_KINDS = ['karpenter.k8s.aws/EC2NodeClass', 'karpenter.k8s.aws/AWSNodeTemplate', 'karpenter.sh/Provisioner'];

/**
 * Every Kubernetes kind the engine judges, as `group/Kind` (`Kind` for the core group); what the
 * rule registry says its rules judge is tested against this list. EKS Auto Mode's NodeClass is
 * counted but never has a finding (Auto Mode pins hop limit 1).
 */
export const JUDGED_KINDS: readonly string[] = [
  ...NODE_KINDS,
  ...Object.entries(WORKLOAD_KINDS).flatMap(([kind, { groups }]) => groups.map((g) => (g === '' ? kind : `${g}/${kind}`))),
];

/** One Kubernetes object judged, with what it is called in reports. */
export interface JudgedObject {
  readonly object: string;
  readonly countAs: string;
  readonly issues: Issue[];
  readonly acknowledgements: Map<string, string>;
}

/**
 * Audits Kubernetes objects read from a manifest file (multi-document YAML, JSON, `kind: List`
 * already expanded). Never throws.
 */
export function auditKubernetesObjects(objects: unknown[], source: AuditSource = {}): AuditResult {
  const judged = (Array.isArray(objects) ? objects : [objects]).flatMap((o) => expandList(o)).map((o) => judgeKubernetesObject(o, []));
  const checked = new Counter();
  const findings = judged.flatMap((j) => {
    checked.add(j.countAs);
    return toFindings(j.issues, { ...source, object: j.object }, j.acknowledgements);
  });
  return { findings, checked: checked.toObject() };
}

/** Expands `kind: List` (and `*List`) objects into their items. */
export function expandList(o: unknown): unknown[] {
  // Iterative, any depth: nested arrays and List objects (`kind: List`, `PodList`, ...) inside each other.
  const out: unknown[] = [];
  const pending: unknown[] = [o];
  while (pending.length > 0) {
    const v = pending.pop();
    if (Array.isArray(v)) {
      append(pending, [...v].reverse());
    } else if (isPlainObject(v) && typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items)) {
      append(pending, [...v.items].reverse());
    } else {
      out.push(v);
    }
  }
  return out;
}

/** At most this many variants of one object, when deploy-time values stand for parts of it. */
const MAX_VARIANTS = 64;

/**
 * The variants of an object whose parts (not leaves: `spec`, `metadataOptions`, `apiVersion`,
 * `kind`, a whole object) are intrinsics of the template: each combination of their known values.
 * An intrinsic whose value is not known stays a placeholder, and the judge reports it where it
 * matters. More than MAX_VARIANTS combinations: the object is Unverifiable.
 */
export function materialize(o: unknown, placeholders: Placeholder[]): { variants: unknown[]; tooMany: boolean } {
  let variants: unknown[] = [o];
  for (;;) {
    const next: unknown[] = [];
    let changed = false;
    for (const v of variants) {
      const spot = structuralPlaceholder(v, placeholders);
      if (!spot) {
        next.push(v);
        continue;
      }
      changed = true;
      for (const c of placeholders[spot.index].candidates) {
        next.push(replaceAt(v, spot.path, c.kind === 'known' ? c.value : undefined));
      }
    }
    if (next.length > MAX_VARIANTS) {
      return { variants: variants.slice(0, 1), tooMany: true };
    }
    variants = next;
    if (!changed) {
      return { variants, tooMany: false };
    }
  }
}

/**
 * The first raw placeholder (an intrinsic outside a JSON string) whose candidates are all known and
 * at least one of them is an object or an array, or that stands for `apiVersion` / `kind`: the parts a
 * judge would otherwise read as a string.
 */
function structuralPlaceholder(o: unknown, placeholders: Placeholder[]): { path: Array<string | number>; index: number } | undefined {
  const settled = (p: Placeholder) => p.candidates.every((c) => c.kind === 'known' || c.kind === 'absent');
  const deep = placeholders.some((p) => settled(p) && p.raw && p.candidates.some((c) => c.kind === 'known' && typeof c.value === 'object' && c.value !== null));
  if (!deep) {
    // Only `apiVersion` / `kind` can be structural: no need to walk the object.
    for (const field of ['apiVersion', 'kind']) {
      const index = isPlainObject(o) ? wholePlaceholderIndex(own(o, field)) : undefined;
      if (index !== undefined && placeholders[index] && settled(placeholders[index])) {
        return { path: [field], index };
      }
    }
    return undefined;
  }
  const pending: Array<{ v: unknown; path: Array<string | number> }> = [{ v: o, path: [] }];
  while (pending.length > 0) {
    const { v, path } = pending.pop()!;
    if (typeof v === 'string') {
      const index = wholePlaceholderIndex(v);
      const p = index === undefined ? undefined : placeholders[index];
      const field = path[path.length - 1];
      if (p && p.candidates.every((c) => c.kind === 'known' || c.kind === 'absent') &&
        (p.raw && p.candidates.some((c) => c.kind === 'known' && typeof c.value === 'object' && c.value !== null) ||
          (path.length === 1 && (field === 'apiVersion' || field === 'kind')))) {
        return { path, index: index! };
      }
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => pending.push({ v: x, path: [...path, i] }));
    } else if (isPlainObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        pending.push({ v: x, path: [...path, k] });
      }
    }
  }
  return undefined;
}

/** A copy of `o` with the value at `path` replaced (undefined removes it: AWS::NoValue). */
function replaceAt(o: unknown, path: Array<string | number>, value: unknown): unknown {
  if (path.length === 0) {
    return value;
  }
  const [head, ...rest] = path;
  if (Array.isArray(o)) {
    const copy = [...o];
    copy[head as number] = replaceAt(o[head as number], rest, value);
    return copy;
  }
  const copy: Record<string, unknown> = { ...(o as Record<string, unknown>) };
  const inner = replaceAt(own(o, String(head)), rest, value);
  if (inner === undefined) {
    delete copy[String(head)];
  } else {
    copy[String(head)] = inner;
  }
  return copy;
}

const OTHER_OBJECTS = 'other Kubernetes objects';

/** `group/version` (the core group is ''). */
function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash >= 0 ? { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) } : { group: '', version: apiVersion };
}

/** How objects of one API version and kind are counted and judged. */
interface KindRoute {
  readonly countAs: (apiVersion: string) => string;
  readonly judge?: (
    o: Record<string, unknown>, metadata: Record<string, unknown>, version: string, placeholders: Placeholder[], issues: IssueCollector,
  ) => void;
}

const EC2_NODE_CLASS: KindRoute = {
  countAs: (v) => `EC2NodeClass (${v})`,
  judge: (o, _m, version, placeholders, issues) => judgeNodeClass(o, version, placeholders, issues, 'EC2NodeClass'),
};
const AWS_NODE_TEMPLATE: KindRoute = {
  countAs: (v) => `AWSNodeTemplate (${v})`,
  judge: (o, _m, version, placeholders, issues) => judgeNodeClass(o, version, placeholders, issues, 'AWSNodeTemplate'),
};
const PROVISIONER: KindRoute = {
  countAs: (v) => `Provisioner (${v})`,
  judge: (o, _m, _v, placeholders, issues) => {
    // An inline `spec.provider` carries the node settings (like a v1alpha1 AWSNodeTemplate); a
    // `providerRef` names an AWSNodeTemplate, judged on its own.
    const spec = isPlainObject(o.spec) ? o.spec : {};
    if (spec.provider !== undefined || spec.providerRef === undefined) {
      judgeNodeClass({ spec: isPlainObject(spec.provider) ? spec.provider : {} }, 'v1alpha1', placeholders, issues, 'Provisioner', 'spec.provider',
        'Provisioner karpenter.sh/v1alpha5');
    }
  },
};
/** EKS Auto Mode enforces IMDSv2 with hop limit 1; nothing to configure (counted, never a finding). */
const AUTO_MODE_NODE_CLASS: KindRoute = { countAs: (v) => `NodeClass (${v})` };
const WORKLOAD_ROUTES = new Map(Object.entries(WORKLOAD_KINDS).map(([kind, { podSpec }]): [string, KindRoute] => [kind, {
  countAs: () => kind,
  judge: (o, metadata, _v, placeholders, issues) => judgeWorkload(o, metadata, podSpec, placeholders, issues),
}]));

/** The route of an object by its API group, version and kind; undefined when no rule reads it. */
function kindRoute(group: string, version: string, kind: string): KindRoute | undefined {
  if (group === 'karpenter.k8s.aws' && kind === 'EC2NodeClass') {
    return EC2_NODE_CLASS;
  }
  if (group === 'karpenter.k8s.aws' && kind === 'AWSNodeTemplate') {
    return AWS_NODE_TEMPLATE;
  }
  if (group === 'karpenter.sh' && kind === 'Provisioner' && version === 'v1alpha5') {
    return PROVISIONER;
  }
  if (group === 'eks.amazonaws.com' && kind === 'NodeClass') {
    return AUTO_MODE_NODE_CLASS;
  }
  const workload = WORKLOAD_ROUTES.get(kind);
  return workload && WORKLOAD_KINDS[kind].groups.includes(group) ? workload : undefined;
}

/**
 * Whether no rule reads an object of this API version and kind, whatever else it holds:
 * `judgeKubernetesObject` counts it among other Kubernetes objects and finds nothing in it. (A
 * `List` kind is not such a kind: its items are judged.)
 */
export function isUnjudgedKind(apiVersion: string, kind: string): boolean {
  const { group, version } = splitApiVersion(apiVersion);
  return !kind.endsWith('List') && !hasPlaceholder(apiVersion) && !hasPlaceholder(kind) && kindRoute(group, version, kind) === undefined;
}

/** Judges one object; `placeholders` resolve intrinsics held in a template's manifest. */
export function judgeKubernetesObject(o: unknown, placeholders: Placeholder[]): JudgedObject {
  const issues = new IssueCollector();
  if (!isPlainObject(o)) {
    return { object: `<not an object: ${show(o)}>`, countAs: OTHER_OBJECTS, issues: [], acknowledgements: new Map() };
  }
  const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  const kind = typeof o.kind === 'string' ? o.kind : '';
  if (hasPlaceholder(o.apiVersion) || hasPlaceholder(o.kind)) {
    // Which object this is (a node class, a workload) is only known at deploy time.
    issues.unknown(undefined, hasPlaceholder(o.kind) ? 'kind' : 'apiVersion', 'the object\'s API version and kind',
      'are only known at deploy time, so which rules apply cannot be told');
    const name = isPlainObject(o.metadata) && typeof o.metadata.name === 'string' ? replacePlaceholders(o.metadata.name, '<token>') : '<unnamed>';
    return { object: `<token>/${name}`, countAs: OTHER_OBJECTS, issues: issues.issues(), acknowledgements: new Map() };
  }
  const { group, version } = splitApiVersion(apiVersion);
  const metadata = isPlainObject(o.metadata) ? o.metadata : {};
  const name = typeof metadata.name === 'string' ? replacePlaceholders(metadata.name, '<token>') : '<unnamed>';
  const object = `${kind || '<no kind>'}/${name}`;
  const route = kindRoute(group, version, kind);
  const countAs = route ? route.countAs(apiVersion) : OTHER_OBJECTS;
  route?.judge?.(o, metadata, version, placeholders, issues);
  return { object, countAs, issues: issues.issues(), acknowledgements: annotationAcknowledgements(metadata) };
}

function judgeNodeClass(
  o: Record<string, unknown>, version: string, placeholders: Placeholder[], issues: IssueCollector, kind: string, specPath = 'spec', label = `${kind} ${version}`,
): void {
  if (hasPlaceholder(o.spec)) {
    issues.unknown(RuleId.HOP_LIMIT_ABOVE_ONE, specPath, specPath, 'is only known at deploy time, so its metadataOptions cannot be checked');
    return;
  }
  const spec = isPlainObject(o.spec) ? o.spec : {};
  const base = `${specPath}.metadataOptions`;
  const optionsValue = spec.metadataOptions === null ? undefined : spec.metadataOptions;
  const known = version === 'v1' || version === 'v1beta1' || version === 'v1alpha1';
  if (!known) {
    issues.unknown(RuleId.HOP_LIMIT_ABOVE_ONE, base, `${kind} ${version}`, 'is an API version this checker does not know, so its metadataOptions defaults are unknown');
    return;
  }
  const hopDefaultIsTwo = version !== 'v1';
  for (const opt of values(optionsValue, placeholders)) {
    if (opt.kind === 'absent') {
      if (hopDefaultIsTwo) {
        issues.add(RuleId.HOP_LIMIT_NOT_PINNED, base, 'metadataOptions',
          `is omitted; ${label} defaulted httpPutResponseHopLimit to 2`);
      }
      continue; // v1: the CRD defaults every field to enabled / disabled / 1 / required
    }
    if (opt.kind !== 'known') {
      issues.unknown(RuleId.HOP_LIMIT_ABOVE_ONE, base, 'metadataOptions', `is only known at deploy time: ${reasonOf(opt)}`);
      continue;
    }
    if (!isPlainObject(opt.value)) {
      issues.unknown(RuleId.HOP_LIMIT_ABOVE_ONE, base, 'metadataOptions', `is ${show(opt.value)}, not an object`);
      continue;
    }
    const fields = opt.value;
    const endpoint = values(fields.httpEndpoint, placeholders);
    if (endpoint.every((e) => e.kind === 'known' && e.value === 'disabled')) {
      continue;
    }
    for (const hop of values(fields.httpPutResponseHopLimit, placeholders)) {
      judgeKubernetesHop(hop, `${base}.httpPutResponseHopLimit`, hopDefaultIsTwo, label, issues);
    }
    for (const tokens of values(fields.httpTokens, placeholders)) {
      const path = `${base}.httpTokens`;
      if (tokens.kind !== 'absent') {
        judgeTokensValue(tokens, path, 'httpTokens', issues);
      } else if (version === 'v1alpha1') {
        issues.add(RuleId.TOKENS_NOT_PINNED, path, 'httpTokens',
          `is omitted from partial metadataOptions; ${label} then defaulted it to "optional"`);
      }
    }
  }
}

function judgeKubernetesHop(hop: Candidate, path: string, defaultIsTwo: boolean, what: string, issues: IssueCollector): void {
  const subject = 'httpPutResponseHopLimit';
  if (hop.kind === 'absent') {
    if (defaultIsTwo) {
      issues.add(RuleId.HOP_LIMIT_NOT_PINNED, path, subject, `is omitted; ${what} defaulted it to 2`);
    }
    return;
  }
  if (hop.kind !== 'known') {
    issues.unknown(RuleId.HOP_LIMIT_ABOVE_ONE, path, subject, `is only known at deploy time: ${reasonOf(hop)}`);
    return;
  }
  const v = hop.value;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    issues.add(RuleId.INVALID_HOP_LIMIT, path, subject, `is ${show(v)}${describeVia(hop)}, not a JSON integer (the CRD requires an integer)`);
  } else if (v < 1 || v > 64) {
    issues.add(RuleId.INVALID_HOP_LIMIT, path, subject, `is ${v}${describeVia(hop)}, outside 1..64`);
  } else if (v > 1) {
    issues.add(RuleId.HOP_LIMIT_ABOVE_ONE, path, subject, `is ${v}${describeVia(hop)}: a pod one hop away can get an IMDSv2 token`);
  }
}

function judgeWorkload(
  o: Record<string, unknown>, metadata: Record<string, unknown>, podSpecPath: string[], placeholders: Placeholder[], issues: IssueCollector,
): void {
  let spec: unknown = o;
  for (const [i, k] of podSpecPath.entries()) {
    spec = isPlainObject(spec) ? own(spec, k) : undefined;
    if (hasPlaceholder(spec)) {
      issues.unknown(RuleId.HOST_NETWORK_POD, podSpecPath.slice(0, i + 1).join('.'), podSpecPath.slice(0, i + 1).join('.'),
        'is only known at deploy time, so whether the pods use the host network cannot be told');
      return;
    }
  }
  if (!isPlainObject(spec)) {
    return;
  }
  const path = `${podSpecPath.join('.')}.hostNetwork`;
  const namespaces = values(metadata.namespace, placeholders);
  const inKubeSystem = namespaces.every((n) => n.kind === 'known' && n.value === 'kube-system');
  if (inKubeSystem) {
    return;
  }
  const where = namespaces.length === 1 && namespaces[0].kind === 'absent' ? 'the default namespace'
    : namespaces.length === 1 && namespaces[0].kind === 'known' ? `namespace ${show(namespaces[0].value)}` : 'a namespace only known at deploy time';
  for (const h of values(spec.hostNetwork, placeholders)) {
    if (h.kind === 'known' && h.value === true) {
      issues.add(RuleId.HOST_NETWORK_POD, path, 'hostNetwork', `is true in ${where}: the pod is zero hops from IMDS and can read the node role's credentials`);
    } else if (h.kind === 'unknown' || h.kind === 'ref') {
      issues.unknown(RuleId.HOST_NETWORK_POD, path, 'hostNetwork', `is only known at deploy time: ${reasonOf(h)}`);
    }
  }
}

/** The values a field of a Kubernetes object can take, resolving manifest placeholders. */
/** The values a manifest value can take: a placeholder's candidates, substituted as the JSON text they stand in. */
export function values(v: unknown, placeholders: Placeholder[]): Candidate[] {
  if (v === undefined || v === null) {
    return [{ kind: 'absent' }];
  }
  if (typeof v === 'string') {
    const index = wholePlaceholderIndex(v);
    if (index !== undefined) {
      const p = placeholders[index];
      if (!p) {
        return [{ kind: 'unknown', reason: 'a deploy-time value' }];
      }
      return p.candidates.map((c) => substitute(c, p.raw));
    }
    if (hasPlaceholder(v)) {
      return [{ kind: 'unknown', reason: `part of ${show(replacePlaceholders(v, '<token>'))} is only known at deploy time` }];
    }
  }
  return [{ kind: 'known', value: v }];
}

/** What a candidate value of an intrinsic becomes once substituted into the manifest's JSON text. */
function substitute(c: Candidate, raw: boolean): Candidate {
  if (c.kind === 'absent') {
    return { kind: 'unknown', reason: 'AWS::NoValue inside Fn::Join (the deployment would fail)', via: c.via };
  }
  if (c.kind !== 'known') {
    return c;
  }
  if (!raw) {
    return { ...c, value: typeof c.value === 'string' ? c.value : JSON.stringify(c.value) };
  }
  if (typeof c.value === 'number' || typeof c.value === 'boolean') {
    return c;
  }
  try {
    return { ...c, value: JSON.parse(String(c.value)) };
  } catch {
    return { kind: 'unknown', reason: `${show(c.value)} would not be valid JSON in the manifest`, via: c.via };
  }
}

function annotationAcknowledgements(metadata: Record<string, unknown>): Map<string, string> {
  const acks = new Map<string, string>();
  const annotations = isPlainObject(metadata.annotations) ? metadata.annotations : {};
  for (const [key, value] of Object.entries(annotations)) {
    if (key.startsWith(ACKNOWLEDGE_ANNOTATION_PREFIX) && typeof value === 'string' && value.trim()) {
      acks.set(key.slice(ACKNOWLEDGE_ANNOTATION_PREFIX.length), value.trim());
    }
  }
  return acks;
}
