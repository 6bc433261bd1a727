// Add-ons known to ask IMDS for their region, VPC or instance: at hop limit 1 that call fails, and
// each breaks unless its Helm values (or its EKS add-on configuration values) give what replaces it
// (the add-on table of DESIGN/FACTS: load balancer controller, cluster-autoscaler, external-dns,
// node termination handler, Karpenter, aws-for-fluent-bit, EBS CSI driver), and the add-ons this
// library installs that need nothing set (EFS CSI driver, CloudWatch observability, cert-manager).
import { parseDocument } from 'yaml';
import { IssueCollector } from './issues';
import { values as candidatesOf } from './kubernetes';
import { hasPlaceholder, parseManifestProperty, Placeholder, wholePlaceholderIndex } from './manifest';
import { isPlainObject, own, TemplateContext } from './values';
import { RuleId } from '../rules';
import { KUBERNETES_YAML_OPTIONS } from '../sources/kubernetes-yaml';
import { nestsTooDeep } from '../sources/nesting';
import { assertUniqueKeys } from '../sources/yaml-error';

/** Whether a setting is given in the values. */
type Presence = { readonly kind: 'set' } | { readonly kind: 'missing' } | { readonly kind: 'unknown'; readonly reason: string };

/** The values of one release, with the deploy-time parts the engine read out of them. */
class Values {
  constructor(private readonly root: unknown, private readonly placeholders: Placeholder[]) {}

  /** Whether `path` holds a value (a deploy-time value counts: `Ref AWS::Region` is a region). */
  public at(path: string[]): Presence {
    const found = this.walk(path);
    if (found.kind !== 'set') {
      return found;
    }
    return this.leaf(found.value);
  }

  /** The raw value at `path`, or why there is none. */
  public raw(path: string[]): { kind: 'set'; value: unknown } | { kind: 'missing' } | { kind: 'unknown'; reason: string } {
    return this.walk(path);
  }

  /** Whether the `env` list at `path` sets one of `names` (to a value or from a source). */
  public env(path: string[], names: string[]): Presence {
    const list = this.walk(path);
    if (list.kind !== 'set') {
      return list;
    }
    if (typeof list.value === 'string' && hasPlaceholder(list.value)) {
      return { kind: 'unknown', reason: `${path.join('.')} is only known at deploy time` };
    }
    if (!Array.isArray(list.value)) {
      return { kind: 'missing' };
    }
    for (const item of list.value) {
      if (typeof item === 'string' && hasPlaceholder(item)) {
        return { kind: 'unknown', reason: `an item of ${path.join('.')} is only known at deploy time` };
      }
      const name = own(item, 'name');
      if (typeof name === 'string' && hasPlaceholder(name)) {
        return { kind: 'unknown', reason: `the name of an item of ${path.join('.')} is only known at deploy time` };
      }
      if (typeof name === 'string' && names.includes(name)) {
        const value = own(item, 'value');
        if (own(item, 'valueFrom') !== undefined || this.leaf(value).kind === 'set') {
          return { kind: 'set' };
        }
      }
    }
    return { kind: 'missing' };
  }

  private walk(path: string[]): { kind: 'set'; value: unknown } | { kind: 'missing' } | { kind: 'unknown'; reason: string } {
    let at: unknown = this.root;
    for (const [i, key] of path.entries()) {
      if (typeof at === 'string' && wholePlaceholderIndex(at) !== undefined) {
        return { kind: 'unknown', reason: `${path.slice(0, i).join('.') || 'the values'} is only known at deploy time` };
      }
      if (!isPlainObject(at)) {
        return { kind: 'missing' };
      }
      at = own(at, key);
    }
    return at === undefined || at === null ? { kind: 'missing' } : { kind: 'set', value: at };
  }

  private leaf(value: unknown): Presence {
    // A deploy-time value is a value (`Ref AWS::Region` is a region); absent, null or empty in some
    // branch is not.
    const candidates = candidatesOf(value, this.placeholders);
    if (candidates.some((c) => c.kind === 'absent' || (c.kind === 'known' && (c.value === '' || c.value === null || c.value === undefined)))) {
      return { kind: 'missing' };
    }
    return { kind: 'set' };
  }
}

/** What one known add-on needs in its values, checked: the settings it lacks (or cannot be seen). */
interface Need {
  /** Dotted path under `Properties.Values` where the setting goes. */
  readonly path: string;
  /** The setting to write, for the message. */
  readonly setting: string;
  readonly presence: Presence;
}

export interface KnownAddon {
  /** The add-on's name, for the README table. */
  readonly name: string;
  /** Helm chart names (the `Chart` property, or the last part of an OCI chart reference). */
  readonly charts: string[];
  /**
   * Names it is published under as an EKS add-on (`AWS::EKS::Addon` `AddonName`). EKS builds these
   * add-ons from the same charts, and their configuration values are the chart's values (a subset:
   * the add-on version's configuration schema, `aws eks describe-addon-configuration`, says which).
   */
  readonly addonNames: string[];
  /** What it asks IMDS for, for the message. */
  readonly asks: string;
  /** What replaces IMDS, for the README's add-on table. */
  readonly gives: string;
  /** What of this library installs it right, when no add-on construct does (`installed` names the one that does). */
  readonly ours?: string;
  /** How this library installs it, for the README's add-on table: when it does. */
  readonly installed?: InstalledAddon;
  /** What it needs in its values; none when it needs nothing, or nothing the values can show (`gives` says why). */
  readonly needs: (values: Values) => Need[];
}

/** How one of this library's add-on constructs installs an add-on (README table). */
export interface InstalledAddon {
  /** The construct class. */
  readonly construct: string;
  /** The `HardenedCluster` method. */
  readonly method: string;
  /** Helm chart (with its repository) or EKS managed add-on. */
  readonly installedAs: string;
  /** What the construct sets instead of IMDS. */
  readonly sets: string;
  /** The identity: Pod Identity (or the add-on's association) for namespace/service account. */
  readonly identity: string;
  /** Where its policy comes from. */
  readonly policy: string;
}

/** The construct of this library that installs an add-on right, for messages and the README. */
export function installedRightBy(addon: KnownAddon): string | undefined {
  if (addon.installed) {
    return `${addon.installed.construct}, HardenedCluster.${addon.installed.method.replace(/\(.*\)$/, '()')}`;
  }
  return addon.ours;
}

/** The `needs` of an add-on with nothing to set (or nothing its values can show). */
export const NOTHING_TO_SET = (): Need[] => [];

/** The first of several ways to give a setting that is given, else the most telling failure. */
function anyOf(...options: Presence[]): Presence {
  if (options.some((o) => o.kind === 'set')) {
    return { kind: 'set' };
  }
  return options.find((o) => o.kind === 'unknown') ?? { kind: 'missing' };
}

const REGION_ENV = ['AWS_REGION', 'AWS_DEFAULT_REGION'];

/** The add-ons the rule knows; sources are in DESIGN.md / FACTS.md ("Add-ons at hop limit 1"). */
export const KNOWN_ADDONS: readonly KnownAddon[] = [
  {
    name: 'AWS Load Balancer Controller',
    charts: ['aws-load-balancer-controller'],
    addonNames: [],
    asks: 'its region and VPC id',
    gives: 'Helm `region` and `vpcId` (or `vpcTags`)',
    installed: {
      construct: 'LoadBalancerController',
      method: 'addLoadBalancerController()',
      installedAs: 'Helm chart `aws-load-balancer-controller` (eks-charts)',
      sets: '`clusterName`, `region` (the cluster stack\'s), `vpcId` (the cluster\'s VPC)',
      identity: 'Pod Identity, `kube-system/aws-load-balancer-controller`',
      policy: 'the release\'s `docs/install/iam_policy.json` (vendored)',
    },
    needs: (v) => [
      { path: 'region', setting: 'region', presence: v.at(['region']) },
      { path: 'vpcId', setting: 'vpcId (or vpcTags)', presence: anyOf(v.at(['vpcId']), v.at(['vpcTags'])) },
    ],
  },
  {
    name: 'Cluster Autoscaler',
    charts: ['cluster-autoscaler'],
    addonNames: [],
    asks: 'its region (the chart otherwise uses us-east-1)',
    gives: 'Helm `awsRegion`',
    needs: (v) => [{ path: 'awsRegion', setting: 'awsRegion', presence: v.at(['awsRegion']) }],
  },
  {
    name: 'ExternalDNS',
    charts: ['external-dns'],
    addonNames: ['external-dns'],
    asks: 'its region',
    gives: '`AWS_REGION` in `env` (Bitnami chart: `aws.region`)',
    installed: {
      construct: 'ExternalDns',
      method: 'addExternalDns(options)',
      installedAs: 'Helm chart `external-dns` (kubernetes-sigs)',
      sets: '`AWS_REGION` in `env`; provider `aws`; `domainFilters` from the zones',
      identity: 'Pod Identity, `kube-system/external-dns`',
      policy: 'the `docs/tutorials/aws.md` policy (vendored), `route53:ChangeResourceRecordSets` on the given zones only',
    },
    needs: (v) => {
      const provider = v.raw(['provider']);
      const name = provider.kind === 'set' ? (isPlainObject(provider.value) ? own(provider.value, 'name') : provider.value) : 'aws';
      if (typeof name === 'string' && name !== 'aws' && !hasPlaceholder(name)) {
        return []; // another DNS provider: no AWS region involved
      }
      return [{
        path: 'env',
        setting: 'env AWS_REGION (or aws.region in the Bitnami chart)',
        presence: anyOf(v.env(['env'], REGION_ENV), v.at(['aws', 'region'])),
      }];
    },
  },
  {
    name: 'AWS Node Termination Handler',
    charts: ['aws-node-termination-handler'],
    addonNames: [],
    asks: 'instance events (IMDS mode polls IMDS)',
    gives: 'queue mode (`enableSqsTerminationDraining`, `queueURL`, `awsRegion`), or IMDS mode on the host network (redundant with Karpenter\'s interruption queue)',
    needs: (v) => {
      const queue = v.raw(['enableSqsTerminationDraining']);
      if (queue.kind === 'set' && (queue.value === true || queue.value === 'true')) {
        return [{ path: 'awsRegion', setting: 'awsRegion (queue mode)', presence: v.at(['awsRegion']) }];
      }
      const hostNetwork = v.raw(['useHostNetwork']);
      const off = hostNetwork.kind === 'set' && (hostNetwork.value === false || hostNetwork.value === 'false');
      return off
        ? [{ path: 'useHostNetwork', setting: 'useHostNetwork: true, or queue mode (enableSqsTerminationDraining with awsRegion and queueURL)', presence: { kind: 'missing' } }]
        : [];
    },
  },
  {
    name: 'Karpenter',
    charts: ['karpenter'],
    addonNames: [],
    asks: 'its region (the controller exits without it)',
    gives: '`AWS_REGION` in `controller.env`',
    ours: 'Karpenter, which HardenedCluster installs',
    needs: (v) => [{ path: 'controller.env', setting: 'controller.env AWS_REGION', presence: v.env(['controller', 'env'], REGION_ENV) }],
  },
  {
    name: 'AWS for Fluent Bit',
    charts: ['aws-for-fluent-bit'],
    addonNames: [],
    asks: 'its region (each output otherwise uses us-east-1)',
    gives: '`region` on every enabled output (`cloudWatchLogs`, `firehose`, `kinesis`)',
    needs: (v) => {
      const needs: Need[] = [];
      // cloudWatchLogs is on unless turned off; the other outputs are off unless turned on.
      for (const [output, onByDefault] of [['cloudWatchLogs', true], ['firehose', false], ['kinesis', false]] as const) {
        const enabled = v.raw([output, 'enabled']);
        const on = enabled.kind === 'set' ? enabled.value !== false && enabled.value !== 'false' : onByDefault;
        if (on) {
          needs.push({ path: `${output}.region`, setting: `${output}.region`, presence: v.at([output, 'region']) });
        }
      }
      return needs;
    },
  },
  {
    name: 'Amazon EBS CSI driver',
    charts: ['aws-ebs-csi-driver'],
    addonNames: ['aws-ebs-csi-driver'],
    // cmd/main.go: the controller skips metadata only when AWS_REGION is set; otherwise it waits for
    // IMDS to time out and reads the node's region label from the Kubernetes API (docs/install.md).
    asks: 'its region (the controller waits for IMDS to time out, then falls back to the node\'s labels)',
    gives: '`controller.region` (or `AWS_REGION` in `controller.env`)',
    installed: {
      construct: 'EbsCsiDriver',
      method: 'addEbsCsiDriver()',
      installedAs: 'Helm chart `aws-ebs-csi-driver` (kubernetes-sigs; its values schema is vendored)',
      sets: '`controller.region` (the cluster stack\'s)',
      identity: 'Pod Identity, `kube-system/ebs-csi-controller-sa`',
      policy: 'the release\'s tag-scoped `docs/AmazonEBSCSIDriverPolicyV2.json` (vendored)',
    },
    needs: (v) => [{
      path: 'controller.region',
      setting: 'controller.region (or controller.env AWS_REGION)',
      presence: anyOf(v.at(['controller', 'region']), v.env(['controller', 'env'], REGION_ENV)),
    }],
  },
  {
    name: 'Amazon EFS CSI driver',
    charts: ['aws-efs-csi-driver'],
    addonNames: ['aws-efs-csi-driver'],
    // pkg/cloud/cloud.go and metadata.go: the region comes only from a metadata provider (IMDS, else
    // the Kubernetes API); the driver has no region setting to give.
    asks: 'its region (controller: IMDS first, then the node\'s Kubernetes labels)',
    gives: 'nothing to set: the driver has no region setting, and at hop limit 1 the controller uses the node labels; the node DaemonSet runs on the host network',
    installed: {
      construct: 'EfsCsiDriver',
      method: 'addEfsCsiDriver()',
      installedAs: 'EKS managed add-on `aws-efs-csi-driver`',
      sets: 'nothing (the driver has no region setting)',
      identity: 'the add-on\'s `PodIdentityAssociations`, `kube-system/efs-csi-controller-sa`',
      policy: 'AWS managed `AmazonEFSCSIDriverPolicy`',
    },
    needs: NOTHING_TO_SET,
  },
  {
    name: 'Amazon CloudWatch Observability',
    charts: ['amazon-cloudwatch-observability'],
    addonNames: ['amazon-cloudwatch-observability'],
    asks: 'its region and instance metadata (CloudWatch agent, Fluent Bit)',
    gives: 'nothing to set: the agent and Fluent Bit DaemonSets run on the host network, zero hops from IMDS',
    installed: {
      construct: 'CloudWatchObservability',
      method: 'addCloudWatchObservability()',
      installedAs: 'EKS managed add-on `amazon-cloudwatch-observability`',
      sets: 'nothing (host network)',
      identity: 'the add-on\'s `PodIdentityAssociations`, `amazon-cloudwatch/cloudwatch-agent`',
      policy: 'AWS managed `CloudWatchAgentServerPolicy`',
    },
    needs: NOTHING_TO_SET,
  },
  {
    name: 'cert-manager',
    charts: ['cert-manager'],
    addonNames: ['cert-manager'],
    asks: 'its region, for Route 53 DNS-01 with ambient credentials',
    gives: '`AWS_REGION` in `extraEnv`, or `route53.region` on each issuer (issuers are not in the values, so the rule does not judge it)',
    installed: {
      construct: 'CertManager',
      method: 'addCertManager(options?)',
      installedAs: 'Helm chart `cert-manager` (charts.jetstack.io), with its CRDs',
      sets: 'with `route53`: `AWS_REGION` in `extraEnv`',
      identity: 'with `route53`: Pod Identity, `cert-manager/cert-manager`',
      policy: 'cert-manager\'s Route 53 DNS-01 policy (vendored), TXT records in the given zones only',
    },
    needs: NOTHING_TO_SET,
  },
];

/** The known add-on a chart reference names, if any (`oci://.../karpenter` and `karpenter` alike). */
function knownAddon(chart: string): KnownAddon | undefined {
  const name = chart.replace(/\/+$/, '').split('/').pop() ?? chart;
  return KNOWN_ADDONS.find((a) => a.charts.includes(name));
}

/** The known add-on an EKS add-on name names, if any. */
function knownManagedAddon(addonName: string): KnownAddon | undefined {
  return KNOWN_ADDONS.find((a) => a.addonNames.includes(addonName));
}

/**
 * `AddonNeedsImds` on a Helm release (`Custom::AWSCDK-EKS-HelmChart`): a chart of a known add-on
 * whose values do not give what replaces IMDS. A chart name, or values, only known at deploy time
 * are Unverifiable for the rule.
 */
export function judgeAddonChart(ctx: TemplateContext, props: Record<string, unknown>, issues: IssueCollector): void {
  judgeNamedAddon(ctx, props, issues, {
    nameProperty: 'Chart',
    valuesProperty: 'Values',
    find: knownAddon,
    subject: (chart) => `the ${chart} chart`,
    where: 'in its values',
    // aws-eks-v2's Helm handler reads Values with json.loads.
    yaml: false,
  });
}

/**
 * `AddonNeedsImds` on an EKS add-on (`AWS::EKS::Addon`): an add-on of a known name whose
 * `ConfigurationValues` (JSON or YAML text, as EKS takes them) do not give what replaces IMDS. A
 * name or configuration only known at deploy time is Unverifiable for the rule.
 */
export function judgeManagedAddon(ctx: TemplateContext, props: unknown, issues: IssueCollector): void {
  judgeNamedAddon(ctx, props, issues, {
    nameProperty: 'AddonName',
    valuesProperty: 'ConfigurationValues',
    find: knownManagedAddon,
    subject: (name) => `the ${name} add-on`,
    where: 'in its ConfigurationValues (where the add-on version\'s configuration schema offers it: aws eks describe-addon-configuration)',
    // EKS takes configuration values as JSON or YAML.
    yaml: true,
  });
}

/** How one kind of resource names its add-on and carries its values. */
interface AddonResource {
  /** The property that names the add-on (`Chart`, `AddonName`). */
  readonly nameProperty: string;
  /** The property that holds the values (`Values`, `ConfigurationValues`). */
  readonly valuesProperty: string;
  readonly find: (name: string) => KnownAddon | undefined;
  /** What lacks the setting, for the message. */
  readonly subject: (name: string) => string;
  /** Where the setting goes, for the message. */
  readonly where: string;
  /** Whether the values may be YAML text. */
  readonly yaml: boolean;
}

function judgeNamedAddon(ctx: TemplateContext, props: unknown, issues: IssueCollector, r: AddonResource): void {
  for (const name of ctx.evaluate(own(props, r.nameProperty))) {
    if (name.kind !== 'known' || typeof name.value !== 'string') {
      if (name.kind !== 'absent') {
        issues.unknown(RuleId.ADDON_NEEDS_IMDS, `Properties.${r.nameProperty}`, r.nameProperty,
          'is only known at deploy time, so whether it is an add-on that asks IMDS is unknown');
      }
      continue;
    }
    const addon = r.find(name.value);
    if (addon) {
      judgeValues(ctx, addon, own(props, r.valuesProperty), {
        property: r.valuesProperty, subject: r.subject(name.value), where: r.where, yaml: r.yaml,
      }, issues);
    }
  }
}

/** How the findings of one release or add-on name what was judged. */
interface Subject {
  /** The property that holds the values (`Values`, `ConfigurationValues`). */
  readonly property: string;
  /** What lacks the setting, for the message. */
  readonly subject: string;
  /** Where the setting goes, for the message. */
  readonly where: string;
  /** Whether the values may be YAML text (EKS add-on configuration); Helm values are JSON. */
  readonly yaml: boolean;
}

function judgeValues(ctx: TemplateContext, addon: KnownAddon, raw: unknown, s: Subject, issues: IssueCollector): void {
  const values = readValues(ctx, raw, s.yaml);
  if (!values.ok) {
    issues.unknown(RuleId.ADDON_NEEDS_IMDS, `Properties.${s.property}`, s.property, `of ${s.subject} cannot be read: ${values.reason}`);
    return;
  }
  for (const need of addon.needs(values.values)) {
    const where = `Properties.${s.property}.${need.path}`;
    if (need.presence.kind === 'missing') {
      issues.add(RuleId.ADDON_NEEDS_IMDS, where, s.subject,
        `is not given ${need.setting}: at hop limit 1 it cannot ask IMDS for ${addon.asks}, so set ${need.setting} ${s.where}` +
        `${installedRightBy(addon) ? ` (this library's ${installedRightBy(addon)}, sets it)` : ''}`);
    } else if (need.presence.kind === 'unknown') {
      issues.unknown(RuleId.ADDON_NEEDS_IMDS, where, `${s.subject}'s ${need.setting}`, `cannot be read: ${need.presence.reason}`);
    }
  }
}

/**
 * Helm values or add-on configuration values: absent or `null` is empty; JSON text (with
 * deploy-time values read through the evaluator) or, where `yaml`, a literal text that is not JSON
 * read as YAML. A dynamic reference, a list, a scalar, repeated YAML keys (which parsers settle
 * differently) or text that does not parse is a reason the values cannot be read.
 */
function readValues(ctx: TemplateContext, raw: unknown, yaml: boolean): { ok: true; values: Values } | { ok: false; reason: string } {
  if (raw === undefined) {
    return { ok: true, values: new Values({}, []) };
  }
  if (typeof raw === 'string' && raw.includes('{{resolve:')) {
    return { ok: false, reason: 'it holds a dynamic reference, resolved at deploy time' };
  }
  const parsed = parseManifestProperty(ctx, raw);
  if (parsed.ok) {
    const [root, ...more] = parsed.manifest.objects;
    if (!parsed.manifest.list && root === null) {
      return { ok: true, values: new Values({}, []) };
    }
    const whole = typeof root === 'string' && wholePlaceholderIndex(root) !== undefined;
    if (parsed.manifest.list || more.length > 0 || (!isPlainObject(root) && !whole)) {
      return { ok: false, reason: 'it is not an object of settings' };
    }
    return { ok: true, values: new Values(root, parsed.manifest.placeholders) };
  }
  if (!yaml || typeof raw !== 'string') {
    return parsed;
  }
  if (raw.trim() === '') {
    return { ok: true, values: new Values({}, []) };
  }
  if (nestsTooDeep(raw)) {
    return { ok: false, reason: 'the text nests deeper than it can be read' };
  }
  // Linear: one YAML parse, a linear duplicate-key check, aliases capped.
  // Read as kubectl reads YAML (1.1 scalars, merge keys), as the manifest files are.
  const doc = parseDocument(raw, { ...KUBERNETES_YAML_OPTIONS, prettyErrors: false, logLevel: 'error' });
  if (doc.errors.length > 0) {
    return { ok: false, reason: `it is neither JSON nor YAML (${doc.errors[0].message.split('\n')[0]})` };
  }
  let value: unknown;
  try {
    assertUniqueKeys(doc, raw, 'ConfigurationValues');
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    return { ok: false, reason: `its YAML cannot be read (${(e as Error).message.split('\n')[0]})` };
  }
  if (value === null || value === undefined) {
    return { ok: true, values: new Values({}, []) };
  }
  if (!isPlainObject(value)) {
    return { ok: false, reason: 'it is not an object of settings' };
  }
  return { ok: true, values: new Values(value, []) };
}
