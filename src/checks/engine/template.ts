import { resourceAcknowledgements } from './acknowledgements';
import { judgeAddonChart, judgeManagedAddon } from './addons';
import { IDENTITY_JUDGES } from './identity';
import { describeVia, Issue, IssueCollector } from './issues';
import { expandList, isUnjudgedKind, JudgedObject, judgeKubernetesObject, materialize, PATCHED_KINDS } from './kubernetes';
import { parseManifestProperty, Placeholder, placeholderText } from './manifest';
import { judgeEc2MetadataOptions, judgeHopCandidate, reasonOf } from './metadata-options';
import { EC2_SPEC, followLaunchConfiguration, followLaunchTemplate, NODEGROUP_SPEC } from './references';
import { AuditResult, AuditSource } from './result';
import { FindingLocation, toFindings } from './to-findings';
import { prepareTemplate } from './transforms';
import { append, Candidate, Counter, hasOwn, isPlainObject, own, show, TemplateContext } from './values';
import { Finding } from '../finding';
import { RuleId } from '../rules';
import { errorMessage, oneLine } from '../sources/input-error';
import { parseKubernetesManifest } from '../sources/kubernetes-yaml';
import { nestsTooDeep } from '../sources/nesting';

/** Resource types whose `Manifest` holds Kubernetes objects (aws-eks and aws-eks-v2 kubectl provider). */
export const KUBERNETES_RESOURCE_TYPE = 'Custom::AWSCDK-EKS-KubernetesResource';
const NESTED_STACK_TYPE = 'AWS::CloudFormation::Stack';
export const KUBERNETES_PATCH_TYPE = 'Custom::AWSCDK-EKS-KubernetesPatch';
export const HELM_CHART_TYPE = 'Custom::AWSCDK-EKS-HelmChart';

/** kubectl's short names of the patched kinds (the EC2NodeClass CRD's `shortNames`, and the built-in ones). */
const SHORT_NAMES: Record<string, readonly string[]> = {
  EC2NodeClass: ['ec2nc', 'ec2ncs'],
  Deployment: ['deploy'],
  DaemonSet: ['ds'],
  StatefulSet: ['sts'],
  ReplicaSet: ['rs'],
  Pod: ['po'],
  ReplicationController: ['rc'],
  CronJob: ['cj'],
};

/** Each name kubectl resolves to a patched kind (kind, plural resource and short names, lower case). */
const PATCH_TARGET_BY_NAME = new Map(PATCHED_KINDS.flatMap((target) => {
  const singular = target.kind.toLowerCase();
  const plural = singular.endsWith('s') ? `${singular}es` : `${singular}s`;
  return [singular, plural, ...(SHORT_NAMES[target.kind] ?? [])].map((name): [string, typeof target] => [name, target]);
}));

/**
 * The judged kind a `kubectl patch` resource type names, as kubectl reads `TYPE[.VERSION][.GROUP]`
 * (`ec2nodeclasses.v1.karpenter.k8s.aws`, `daemonsets.apps`, `ds`), case-insensitively; undefined
 * for any other type. The patch is judged as part of the stored object, at the version the rules
 * know, whichever version the command names (the API server converts between them).
 */
function patchTarget(type: string): { apiVersion: string; kind: string } | undefined {
  const lower = type.toLowerCase();
  const dot = lower.indexOf('.');
  const target = PATCH_TARGET_BY_NAME.get(dot < 0 ? lower : lower.slice(0, dot));
  if (!target) {
    return undefined;
  }
  const qualifier = dot < 0 ? '' : lower.slice(dot + 1);
  // `<group>`, or `<version>.<group>` (the first label is a version when the rest is a group of the kind).
  const versionEnd = qualifier.indexOf('.');
  const group = qualifier === '' ? target.groups[0]
    : target.groups.includes(qualifier) ? qualifier
      : target.groups.find((g) => g === (versionEnd < 0 ? '' : qualifier.slice(versionEnd + 1)));
  if (group === undefined) {
    return undefined;
  }
  return { apiVersion: group ? `${group}/${target.version}` : target.version, kind: target.kind };
}

/** Judges one resource's properties; `logicalId` is the resource's, for rules that look across resources. */
export type Judge = (ctx: TemplateContext, properties: unknown, issues: IssueCollector, logicalId: string) => void;

const JUDGES: Record<string, Judge> = {
  // IAM roles and policies (identity rules); the IMDS judges below never share a type with them.
  ...IDENTITY_JUDGES,
  'AWS::EC2::LaunchTemplate': (ctx, props, issues) => {
    const options = ctx.path(props, ['LaunchTemplateData', 'MetadataOptions']);
    judgeEc2MetadataOptions(ctx, options, 'Properties.LaunchTemplateData.MetadataOptions', issues);
  },
  'AWS::EKS::Addon': (ctx, props, issues) => judgeManagedAddon(ctx, props, issues),
  'AWS::AutoScaling::LaunchConfiguration': (ctx, props, issues) => {
    judgeEc2MetadataOptions(ctx, ctx.path(props, ['MetadataOptions']), 'Properties.MetadataOptions', issues);
  },
  'AWS::EC2::Instance': (ctx, props, issues) => {
    const options = ctx.path(props, ['MetadataOptions']);
    const launchTemplate = ctx.path(props, ['LaunchTemplate']);
    const fromTemplate = launchTemplate.filter((l) => l.kind !== 'absent');
    if (fromTemplate.length === 0) {
      judgeEc2MetadataOptions(ctx, options, 'Properties.MetadataOptions', issues);
      return;
    }
    // The instance's own options win over its launch template's; where it has none, the launch
    // template carries them.
    judgeEc2MetadataOptions(ctx, options.filter((o) => o.kind !== 'absent'), 'Properties.MetadataOptions', issues);
    if (options.some((o) => o.kind === 'absent')) {
      followLaunchTemplate(ctx, fromTemplate, EC2_SPEC, 'Properties.LaunchTemplate', issues);
    }
  },
  'AWS::EKS::Nodegroup': (ctx, props, issues) => {
    const spec = ctx.path(props, ['LaunchTemplate']);
    for (const s of spec) {
      if (s.kind === 'absent') {
        const amiTypes = ctx.path(props, ['AmiType']).map((c) => (c.kind === 'known' && typeof c.value === 'string' ? c.value : undefined));
        issues.add(RuleId.NODEGROUP_DEFAULT_LAUNCH_TEMPLATE, 'Properties.LaunchTemplate', 'LaunchTemplate',
          `is ${s.via ? `AWS::NoValue${describeVia(s)}` : 'omitted'}: EKS generates a launch template whose hop limit is not under your control ` +
          `(${generatedHopLimit(amiTypes)})`);
      }
    }
    followLaunchTemplate(ctx, spec.filter((s) => s.kind !== 'absent'), NODEGROUP_SPEC, 'Properties.LaunchTemplate', issues);
  },
  'AWS::EC2::EC2Fleet': (ctx, props, issues) => {
    eachItem(ctx, ctx.path(props, ['LaunchTemplateConfigs']), 'Properties.LaunchTemplateConfigs', issues, (config, at) => {
      followLaunchTemplate(ctx, ctx.field([config], 'LaunchTemplateSpecification').filter((c) => c.kind !== 'absent'), EC2_SPEC,
        `${at}.LaunchTemplateSpecification`, issues);
      // An override's MetadataOptions win over the launch template's for the instances it launches.
      eachItem(ctx, ctx.field([config], 'Overrides'), `${at}.Overrides`, issues, (override, o) => {
        const options = ctx.field([override], 'MetadataOptions');
        if (options.some((c) => c.kind !== 'absent')) {
          judgeEc2MetadataOptions(ctx, options.filter((c) => c.kind !== 'absent'), `${o}.MetadataOptions`, issues);
        }
      });
    });
  },
  'AWS::EC2::SpotFleet': (ctx, props, issues) => {
    const data = ctx.path(props, ['SpotFleetRequestConfigData']);
    eachItem(ctx, ctx.field(data, 'LaunchTemplateConfigs'), 'Properties.SpotFleetRequestConfigData.LaunchTemplateConfigs', issues, (config, at) => {
      followLaunchTemplate(ctx, ctx.field([config], 'LaunchTemplateSpecification').filter((c) => c.kind !== 'absent'), EC2_SPEC,
        `${at}.LaunchTemplateSpecification`, issues);
    });
    // A launch specification has no MetadataOptions: its instances take the AMI's and account's defaults.
    eachItem(ctx, ctx.field(data, 'LaunchSpecifications'), 'Properties.SpotFleetRequestConfigData.LaunchSpecifications', issues, (_spec, at) => {
      judgeEc2MetadataOptions(ctx, [{ kind: 'absent' }], `${at}.MetadataOptions`, issues);
    });
  },
  'AWS::Batch::ComputeEnvironment': (ctx, props, issues) => {
    const compute = ctx.path(props, ['ComputeResources']);
    const types = ctx.field(compute, 'Type');
    if (compute.every((c) => c.kind === 'absent') || types.every((t) => t.kind === 'known' && /^FARGATE/.test(String(t.value)))) {
      return; // unmanaged, or Fargate: no instance of ours
    }
    const lt = ctx.field(compute, 'LaunchTemplate');
    const given = lt.filter((c) => c.kind !== 'absent');
    followLaunchTemplate(ctx, given, EC2_SPEC, 'Properties.ComputeResources.LaunchTemplate', issues);
    // Instances of an override's target types launch from the override's launch template instead.
    const overrides = ctx.field(given.filter((c) => c.kind === 'known'), 'Overrides').filter((c) => c.kind !== 'absent');
    eachItem(ctx, overrides, 'Properties.ComputeResources.LaunchTemplate.Overrides', issues, (override, at) => {
      followLaunchTemplate(ctx, [override], EC2_SPEC, at, issues);
    });
    const eks = ctx.path(props, ['EksConfiguration']).some((c) => c.kind !== 'absent');
    if (eks && given.length < lt.length) {
      // EKS-backed Batch runs pods on instances it launches with the AMI's defaults.
      issues.add(RuleId.HOP_LIMIT_NOT_PINNED, 'Properties.ComputeResources.LaunchTemplate', 'LaunchTemplate',
        'is omitted on an EKS compute environment: its nodes take the AMI\'s metadata defaults (hop limit 2 on AL2023)');
    }
  },
  'AWS::ImageBuilder::InfrastructureConfiguration': (ctx, props, issues) => {
    judgeEc2MetadataOptions(ctx, ctx.path(props, ['InstanceMetadataOptions']), 'Properties.InstanceMetadataOptions', issues);
  },
  'AWS::WorkSpacesInstances::WorkspaceInstance': (ctx, props, issues) => {
    judgeEc2MetadataOptions(ctx, ctx.path(props, ['ManagedInstance', 'MetadataOptions']), 'Properties.ManagedInstance.MetadataOptions', issues);
  },
  'AWS::EMR::SecurityConfiguration': (ctx, props, issues) => {
    const base = 'Properties.SecurityConfiguration.InstanceMetadataServiceConfiguration';
    for (const config of ctx.field(jsonOrObject(ctx.path(props, ['SecurityConfiguration'])), 'InstanceMetadataServiceConfiguration')) {
      if (config.kind === 'absent') {
        continue; // EMR's own default (IMDSv2 optional) is not a setting of this resource
      }
      for (const version of ctx.field([config], 'MinimumInstanceMetadataServiceVersion')) {
        if (version.kind === 'known' && Number(version.value) === 1) {
          issues.add(RuleId.IMDS_V1_ALLOWED, `${base}.MinimumInstanceMetadataServiceVersion`, 'MinimumInstanceMetadataServiceVersion',
            'is 1: IMDSv1 is allowed, and token-less GETs are not hop-limited');
        }
      }
      for (const hop of ctx.field([config], 'HttpPutResponseHopLimit')) {
        if (hop.kind !== 'absent') {
          judgeHopCandidate(hop, `${base}.HttpPutResponseHopLimit`, issues);
        }
      }
    }
  },
  'AWS::AutoScaling::AutoScalingGroup': (ctx, props, issues) => {
    if (ctx.path(props, ['InstanceId']).some((c) => c.kind !== 'absent')) {
      issues.unknown(RuleId.HOP_LIMIT_ABOVE_ONE, 'Properties.InstanceId', 'InstanceId',
        'builds the group from a running instance\'s settings, which this template does not hold');
    }
    const lt = ctx.path(props, ['LaunchTemplate']).filter((c) => c.kind !== 'absent');
    followLaunchTemplate(ctx, lt, EC2_SPEC, 'Properties.LaunchTemplate', issues);
    const lc = ctx.path(props, ['LaunchConfigurationName']).filter((c) => c.kind !== 'absent');
    followLaunchConfiguration(ctx, lc, 'Properties.LaunchConfigurationName', issues);
    const mixed = ctx.path(props, ['MixedInstancesPolicy', 'LaunchTemplate']);
    const mixedSpec = ctx.field(mixed, 'LaunchTemplateSpecification').filter((c) => c.kind !== 'absent');
    followLaunchTemplate(ctx, mixedSpec, EC2_SPEC, 'Properties.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification', issues);
    // An override may name a launch template of its own; overrides only known at deploy time are Unverifiable.
    const overrides = ctx.field(mixed.filter((c) => c.kind === 'known'), 'Overrides').filter((c) => c.kind !== 'absent');
    eachItem(ctx, overrides, 'Properties.MixedInstancesPolicy.LaunchTemplate.Overrides', issues, (override, at) => {
      const spec = ctx.field([override], 'LaunchTemplateSpecification').filter((c) => c.kind !== 'absent');
      followLaunchTemplate(ctx, spec, EC2_SPEC, `${at}.LaunchTemplateSpecification`, issues);
    });
  },
};

/**
 * Every resource type the engine judges (what the rule registry says its rules judge is tested
 * against this list): the judged types, kubectl manifests, patches and Helm values, nested stacks.
 */
export const JUDGED_RESOURCE_TYPES: readonly string[] = [
  ...Object.keys(JUDGES), KUBERNETES_RESOURCE_TYPE, KUBERNETES_PATCH_TYPE, HELM_CHART_TYPE, NESTED_STACK_TYPE,
];

/**
 * Audits one synthesized CloudFormation template: launch templates, launch configurations,
 * instances, node groups, auto scaling groups, the Kubernetes objects inside kubectl manifests,
 * and the IAM roles and policies of workload and node identities. Never throws, whatever the input.
 */
export function auditTemplate(template: unknown, source: AuditSource = {}): AuditResult {
  const prepared = prepareTemplate(template);
  const ctx = new TemplateContext(prepared.template, source.parameterOverrides);
  const findings: Finding[] = [];
  const checked = new Counter();
  const count = (kind: string) => checked.add(kind);

  // What the engine cannot see of the template: a finding on the template itself.
  append(findings, toFindings(prepared.templateIssues, { file: source.file, stack: source.stack }, new Map()));
  const entries = ctx.resourceEntries;
  // Indexed: no iterator result or destructured copy per resource, whichever tier V8 runs this in.
  for (let i = 0; i < entries.length; i++) {
    const logicalId = entries[i][0];
    const resource = entries[i][1];
    const hidden = prepared.resourceIssues.get(logicalId);
    if (hidden) {
      append(findings, toFindings(hidden, { file: source.file, stack: source.stack, resource: logicalId }, resourceAcknowledgements(resource)));
    }
    if (!isPlainObject(resource) || typeof resource.Type !== 'string') {
      continue;
    }
    // Where a finding sits (construct path, acknowledgements on the construct and its scopes) is
    // only worked out for a resource that has one.
    let located: Located | undefined;
    const locate = (): Located => {
      if (!located) {
        const constructPath = source.constructPaths?.get(logicalId) ?? cdkPathOf(resource);
        // The resource's own acknowledgements win over those made on its scopes (each lookup
        // gives a map of its own; without scoped ones, the resource's map is the whole answer).
        const scoped = source.scopedAcknowledgements?.forPath(constructPath);
        let acknowledgements = resourceAcknowledgements(resource);
        if (scoped && scoped.size > 0) {
          for (const [rule, reason] of acknowledgements) {
            scoped.set(rule, reason);
          }
          acknowledgements = scoped;
        }
        const constructType = source.constructTypes?.get(logicalId);
        located = { where: { file: source.file, stack: source.stack, resource: logicalId, constructPath, constructType }, acknowledgements };
      }
      return located;
    };
    if (resource.Type === NESTED_STACK_TYPE && !source.nestedStacks?.has(logicalId)) {
      const issues = new IssueCollector();
      issues.unknown(undefined, 'Properties.TemplateURL', 'the nested stack',
        'has a template that is not in the assembly (or next to this template), so its resources cannot be checked');
      append(findings, emit(issues.issues(), locate));
    }
    const judge = hasOwn(JUDGES, resource.Type) ? JUDGES[resource.Type] : undefined;
    if (judge) {
      count(resource.Type);
      const issues = new IssueCollector();
      judge(ctx, resource.Properties ?? {}, issues, logicalId);
      append(findings, emit(issues.issues(), locate));
    } else if (resource.Type === KUBERNETES_RESOURCE_TYPE) {
      count(resource.Type);
      append(findings, auditManifestResource(ctx, resource, locate, count));
    } else if (resource.Type === KUBERNETES_PATCH_TYPE) {
      count(resource.Type);
      append(findings, auditPatchResource(ctx, resource, locate, count));
    } else if (resource.Type === HELM_CHART_TYPE) {
      count(resource.Type);
      append(findings, auditHelmValues(ctx, resource, locate, count));
      const issues = new IssueCollector();
      judgeAddonChart(ctx, isPlainObject(resource.Properties) ? resource.Properties : {}, issues);
      append(findings, emit(issues.issues(), locate));
    }
  }
  return { findings, checked: checked.toObject() };
}

/** Where a resource's findings sit, and the acknowledgements that apply there. */
interface Located {
  readonly where: FindingLocation;
  readonly acknowledgements: Map<string, string>;
}

/** Findings of one resource (or of one object inside it, with the object's own acknowledgements). */
function emit(issues: Issue[], locate: () => Located, object?: string, objectAcknowledgements?: Map<string, string>): Finding[] {
  if (issues.length === 0) {
    return [];
  }
  const { where, acknowledgements } = locate();
  return toFindings(issues, object === undefined ? where : { ...where, object },
    objectAcknowledgements && objectAcknowledgements.size > 0 ? new Map([...acknowledgements, ...objectAcknowledgements]) : acknowledgements);
}

/**
 * What EKS's generated launch template does for the node group's AMI type (FACTS: containers-roadmap
 * #930 for AL2; the EKS AL2023 page says 1 but other EKS pages contradict it; nothing is documented
 * for Bottlerocket or Windows).
 */
function generatedHopLimit(amiTypes: Array<string | undefined>): string {
  const known = [...new Set(amiTypes)];
  if (known.length !== 1 || known[0] === undefined) {
    return 'EKS picks the AMI type from the instance types; for Amazon Linux 2 the hop limit is 2';
  }
  const ami = known[0];
  if (ami.startsWith('AL2023')) {
    return `AMI type ${ami}: the EKS docs say hop limit 1 for AL2023 in one place and contradict it elsewhere`;
  }
  if (ami.startsWith('AL2_')) {
    return `AMI type ${ami}: hop limit 2`;
  }
  if (ami.startsWith('BOTTLEROCKET') || ami.startsWith('WINDOWS')) {
    return `AMI type ${ami}: EKS does not document the hop limit it sets`;
  }
  return `AMI type ${ami}: for Amazon Linux 2 the hop limit is 2, and EKS documents no other`;
}

/** Calls `each` for every item of every list candidate; a list only known at deploy time is Unverifiable. */
function eachItem(ctx: TemplateContext, lists: Candidate[], at: string, issues: IssueCollector, each: (item: Candidate, path: string) => void): void {
  for (const list of lists) {
    if (list.kind === 'absent') {
      continue;
    }
    if (list.kind !== 'known' || !Array.isArray(list.value)) {
      issues.unknown(RuleId.HOP_LIMIT_ABOVE_ONE, at, at.split('.').pop()!, `is only known at deploy time: ${reasonOf(list)}`);
      continue;
    }
    list.value.forEach((item, i) => ctx.evaluate(item).forEach((c) => each(c, `${at}.${i}`)));
  }
}

/** A value that may be an object or the JSON text of one (EMR's SecurityConfiguration is either). */
function jsonOrObject(cands: Candidate[]): Candidate[] {
  return cands.map((c) => {
    if (c.kind === 'known' && typeof c.value === 'string') {
      try {
        return { kind: 'known', value: JSON.parse(c.value), via: c.via };
      } catch {
        return { kind: 'unknown', reason: 'the security configuration is not JSON', via: c.via };
      }
    }
    return c;
  });
}

/** The construct path CDK writes into a resource's metadata (when path metadata is on, as under `cdk synth`). */
function cdkPathOf(resource: Record<string, unknown>): string | undefined {
  const p = isPlainObject(resource.Metadata) ? resource.Metadata['aws:cdk:path'] : undefined;
  return typeof p === 'string' ? p : undefined;
}

/**
 * A `KubernetesPatch` (aws-eks-v2 `KubernetesPatch`) applied to an object the rules judge: the patch
 * is judged as the part of that object it writes (a merge or strategic patch as it is, a JSON patch
 * by its `add` / `replace` operations), so a patch that raises a node class's hop limit to 2 is
 * HopLimitAboveOne. A patch whose target or body is only known at deploy time is Unverifiable.
 */
function auditPatchResource(
  ctx: TemplateContext, resource: Record<string, unknown>, locate: () => Located, count: (kind: string) => void,
): Finding[] {
  const props = isPlainObject(resource.Properties) ? resource.Properties : {};
  const issues = new IssueCollector();
  const names = ctx.evaluate(own(props, 'ResourceName'));
  const name = names.length === 1 && names[0].kind === 'known' && typeof names[0].value === 'string' ? names[0].value : undefined;
  const parsed = parseManifestProperty(ctx, own(props, 'ApplyPatchJson'));
  if (name === undefined) {
    issues.unknown(undefined, 'Properties.ResourceName', 'the patched object', 'is only known at deploy time');
    return emit(issues.issues(), locate);
  }
  const slash = name.indexOf('/');
  const target = slash < 0 ? undefined : patchTarget(name.slice(0, slash));
  if (slash < 0 || !target) {
    return []; // an object no rule judges
  }
  if (!parsed.ok) {
    issues.unknown(undefined, 'Properties.ApplyPatchJson', 'the patch', `cannot be read: ${parsed.reason}`);
    return emit(issues.issues(), locate);
  }
  const patchTypes = ctx.evaluate(own(props, 'PatchType'));
  const json = patchTypes.some((t) => t.kind === 'known' && t.value === 'json');
  const placeholders = [...parsed.manifest.placeholders];
  const body = json ? fromJsonPatch(parsed.manifest.objects, placeholders) : parsed.manifest.objects[0];
  const namespaces = ctx.evaluate(own(props, 'ResourceNamespace'));
  const namespace = namespaces[0]?.kind === 'known' ? namespaces[0].value : 'default';
  const object = {
    ...(isPlainObject(body) ? body : {}),
    apiVersion: target.apiVersion,
    kind: target.kind,
    metadata: { ...(isPlainObject(own(body, 'metadata')) ? own(body, 'metadata') as object : {}), name: name.slice(slash + 1), namespace },
  };
  return dedupe(judgeVariants(object, placeholders).flatMap((judged, i) => {
    if (i === 0) {
      count(`${judged.countAs} (patch)`);
    }
    return emit(judged.issues, locate, judged.object);
  }));
}

/**
 * The object a JSON patch writes: `add` / `replace` write their value; `copy` / `move` write a value
 * taken from the object as it stands in the cluster, which is not known here (a placeholder only
 * known at deploy time, added to `placeholders`); `remove` and `test` write nothing.
 */
function fromJsonPatch(ops: unknown[], placeholders: Placeholder[]): Record<string, unknown> {
  const list = Array.isArray(ops[0]) ? ops[0] : ops;
  // Null-prototype objects: a path segment is input, and `__proto__` is a key like any other.
  const root: Record<string, unknown> = Object.create(null);
  for (const op of list) {
    if (!isPlainObject(op) || typeof op.path !== 'string') {
      continue;
    }
    let value: unknown;
    if (op.op === 'add' || op.op === 'replace') {
      value = op.value;
    } else if (op.op === 'copy' || op.op === 'move') {
      const reason = `the JSON patch ${op.op === 'copy' ? 'copies' : 'moves'} it from ${show(op.from)}, a value of the object as it stands in the cluster`;
      value = placeholderText(placeholders.length);
      placeholders.push({ intrinsic: op, raw: true, candidates: [{ kind: 'unknown', reason }] });
    } else {
      continue;
    }
    const keys = op.path.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    let at: Record<string, unknown> = root;
    keys.forEach((k, i) => {
      if (i === keys.length - 1) {
        at[k] = value;
      } else {
        const next = own(at, k);
        at = (at[k] = isPlainObject(next) ? next : Object.create(null)) as Record<string, unknown>;
      }
    });
  }
  return root;
}

/**
 * A Helm release's values can carry whole Kubernetes objects (`extraObjects`, `extraDeploy`, node
 * classes for a chart that templates them): every object found in the values is judged like one in a
 * manifest. What the chart's own templates render is not known here.
 */
function auditHelmValues(
  ctx: TemplateContext, resource: Record<string, unknown>, locate: () => Located, count: (kind: string) => void,
): Finding[] {
  const props = isPlainObject(resource.Properties) ? resource.Properties : {};
  if (own(props, 'Values') === undefined) {
    return [];
  }
  const parsed = parseManifestProperty(ctx, own(props, 'Values'));
  if (!parsed.ok) {
    return []; // values that cannot be read carry no object we could judge
  }
  const findings: Finding[] = [];
  const { objects, texts } = embeddedObjects(parsed.manifest.objects);
  for (const text of texts) {
    // Charts render such a text with `tpl` or `fromYaml` (extraObjects, extraDeploy): read as kubectl would.
    const read = objectsOfText(text);
    if (read.ok) {
      append(objects, read.objects);
    } else {
      const issues = new IssueCollector();
      issues.unknown(undefined, 'Properties.Values', 'a Kubernetes object written as text in the values', read.reason);
      append(findings, emit(issues.issues(), locate));
    }
  }
  for (const o of objects) {
    for (const [i, judged] of judgeVariants(o, parsed.manifest.placeholders).entries()) {
      if (i === 0) {
        count(judged.countAs);
      }
      append(findings, emit(judged.issues, locate, judged.object, judged.acknowledgements));
    }
  }
  return dedupe(findings);
}

/** A value's text that is written like a Kubernetes object (an `apiVersion:` and a `kind:` line). */
const OBJECT_TEXT = [/^[ \t-]*apiVersion[ \t]*:/m, /^[ \t-]*kind[ \t]*:/m];

/** The objects of a text written like a manifest, or why they cannot be read here. */
function objectsOfText(text: string): { ok: true; objects: unknown[] } | { ok: false; reason: string } {
  if (text.includes('{{')) {
    return { ok: false, reason: 'holds Helm template expressions, rendered by the chart at install time, so what it becomes cannot be read here' };
  }
  if (nestsTooDeep(text)) {
    return { ok: false, reason: 'nests deeper than it can be read' };
  }
  try {
    return { ok: true, objects: parseKubernetesManifest(text, 'the text') };
  } catch (e) {
    return { ok: false, reason: `cannot be read as a manifest (${oneLine(errorMessage(e))})` };
  }
}

/**
 * Every object with a string `apiVersion` and `kind` inside a value (iteratively, not inside another
 * such object), and every string written like one (see OBJECT_TEXT).
 */
function embeddedObjects(values: unknown[]): { objects: unknown[]; texts: string[] } {
  const objects: unknown[] = [];
  const texts: string[] = [];
  const pending = [...values];
  while (pending.length > 0) {
    const v = pending.pop();
    if (Array.isArray(v)) {
      append(pending, v);
    } else if (isPlainObject(v)) {
      if (typeof own(v, 'apiVersion') === 'string' && typeof own(v, 'kind') === 'string') {
        objects.push(v);
      } else {
        append(pending, Object.values(v));
      }
    } else if (typeof v === 'string' && OBJECT_TEXT.every((re) => re.test(v))) {
      texts.push(v);
    }
  }
  return { objects: objects.reverse(), texts: texts.reverse() };
}

function auditManifestResource(
  ctx: TemplateContext, resource: Record<string, unknown>, locate: () => Located, count: (kind: string) => void,
): Finding[] {
  const props = isPlainObject(resource.Properties) ? resource.Properties : {};
  if (props.Manifest === undefined) {
    return [];
  }
  const findings: Finding[] = [];
  // A manifest chosen by Fn::If: each branch that can be deployed is a manifest of its own.
  for (const [manifest, via] of manifestBranches(ctx, props.Manifest, 0)) {
    // Objects no rule reads (the CRDs that are most of a cluster's template) are counted, not built.
    const parsed = parseManifestProperty(ctx, manifest, isUnjudgedKind);
    if (!parsed.ok) {
      const issues = new IssueCollector();
      issues.unknown(undefined, 'Properties.Manifest', `the Kubernetes manifest${via}`, `cannot be read: ${parsed.reason}`);
      findings.push(...emit(issues.issues(), locate));
      continue;
    }
    // Indexed loops: no iterator result per object (manifests can hold thousands).
    const objects = parsed.manifest.objects;
    for (let n = 0; n < objects.length; n++) {
      const expanded = expandList(objects[n]);
      for (let e = 0; e < expanded.length; e++) {
        const variants = judgeVariants(expanded[e], parsed.manifest.placeholders);
        for (let i = 0; i < variants.length; i++) {
          const judged = variants[i];
          if (i === 0) {
            count(judged.countAs); // variants are one object
          }
          append(findings, emit(judged.issues, locate, judged.object, judged.acknowledgements));
        }
      }
    }
  }
  return dedupe(findings);
}

/** The manifests an `Fn::If` (nested too) can choose, with how each was reached; anything else as it is. */
function manifestBranches(ctx: TemplateContext, manifest: unknown, depth: number): Array<[unknown, string]> {
  const arg = isPlainObject(manifest) ? own(manifest, 'Fn::If') : undefined;
  if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== 'string' || depth > 8) {
    return [[manifest, '']];
  }
  const outcomes = ctx.condition(arg[0]);
  const out: Array<[unknown, string]> = [];
  for (const [branch, taken] of [[arg[1], true], [arg[2], false]] as const) {
    if (!outcomes.has(taken)) {
      continue;
    }
    const noValue = isPlainObject(branch) && own(branch, 'Ref') === 'AWS::NoValue';
    if (!noValue) {
      for (const [m, via] of manifestBranches(ctx, branch, depth + 1)) {
        out.push([m, ` (Fn::If ${arg[0]} ${taken} branch${via})`]);
      }
    }
  }
  return out;
}

/**
 * Judges each variant of an object (see `materialize`), merging what they find into one result per
 * object name: the variants of one object differ only in parts chosen at deploy time.
 */
function judgeVariants(o: unknown, placeholders: Placeholder[]): JudgedObject[] {
  const { variants, tooMany } = materialize(o, placeholders);
  const judged = variants.map((v) => judgeKubernetesObject(v, placeholders));
  if (tooMany && judged.length > 0) {
    const issues = new IssueCollector();
    issues.unknown(undefined, '', 'the object', 'has more combinations of deploy-time parts than the checker follows');
    judged[0] = { ...judged[0], issues: [...judged[0].issues, ...issues.issues()] };
  }
  return judged;
}

/** Findings that say the same thing about the same place once (variants of one object repeat them). */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = [f.ruleId, f.resource, f.kubernetesObject, f.property, f.message].join('\u0000');
    return seen.has(key) ? false : (seen.add(key), true);
  });
}
