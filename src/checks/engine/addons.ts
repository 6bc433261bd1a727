// Add-ons known to ask IMDS for their region, VPC or instance: at hop limit 1 that call fails, and
// each breaks unless its Helm values give what replaces it (the add-on table of DESIGN/FACTS: load
// balancer controller, cluster-autoscaler, external-dns, node termination handler, Karpenter,
// aws-for-fluent-bit, EBS CSI driver chart).
import { IssueCollector } from './issues';
import { values as candidatesOf } from './kubernetes';
import { hasPlaceholder, parseManifestProperty, Placeholder, wholePlaceholderIndex } from './manifest';
import { isPlainObject, own, TemplateContext } from './values';
import { RuleId } from '../rules';

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
  /** Helm chart names (the `Chart` property, or the last part of an OCI chart reference). */
  readonly charts: string[];
  /** What it asks IMDS for, for the message. */
  readonly asks: string;
  /** What replaces IMDS, for the README's add-on table. */
  readonly gives: string;
  /** The construct of this library that installs it right, when there is one. */
  readonly ours?: string;
  readonly needs: (values: Values) => Need[];
}

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
    charts: ['aws-load-balancer-controller'],
    asks: 'its region and VPC id',
    gives: 'Helm `region` and `vpcId` (or `vpcTags`)',
    ours: 'LoadBalancerController, HardenedCluster.addLoadBalancerController()',
    needs: (v) => [
      { path: 'region', setting: 'region', presence: v.at(['region']) },
      { path: 'vpcId', setting: 'vpcId (or vpcTags)', presence: anyOf(v.at(['vpcId']), v.at(['vpcTags'])) },
    ],
  },
  {
    charts: ['cluster-autoscaler'],
    asks: 'its region (the chart otherwise uses us-east-1)',
    gives: 'Helm `awsRegion`',
    needs: (v) => [{ path: 'awsRegion', setting: 'awsRegion', presence: v.at(['awsRegion']) }],
  },
  {
    charts: ['external-dns'],
    asks: 'its region',
    gives: '`AWS_REGION` in `env` (Bitnami chart: `aws.region`)',
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
    charts: ['aws-node-termination-handler'],
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
    charts: ['karpenter'],
    asks: 'its region (the controller exits without it)',
    gives: '`AWS_REGION` in `controller.env`',
    ours: 'Karpenter, which HardenedCluster installs',
    needs: (v) => [{ path: 'controller.env', setting: 'controller.env AWS_REGION', presence: v.env(['controller', 'env'], REGION_ENV) }],
  },
  {
    charts: ['aws-for-fluent-bit'],
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
    charts: ['aws-ebs-csi-driver'],
    asks: 'its region (controller)',
    gives: 'Helm `controller.region` (or `AWS_REGION` in `controller.env`)',
    needs: (v) => [{
      path: 'controller.region',
      setting: 'controller.region (or controller.env AWS_REGION)',
      presence: anyOf(v.at(['controller', 'region']), v.env(['controller', 'env'], REGION_ENV)),
    }],
  },
];

/** The known add-on a chart reference names, if any (`oci://.../karpenter` and `karpenter` alike). */
function knownAddon(chart: string): KnownAddon | undefined {
  const name = chart.replace(/\/+$/, '').split('/').pop() ?? chart;
  return KNOWN_ADDONS.find((a) => a.charts.includes(name));
}

/**
 * `AddonNeedsImds` on a Helm release (`Custom::AWSCDK-EKS-HelmChart`): a chart of a known add-on
 * whose values do not give what replaces IMDS. A chart name, or values, only known at deploy time
 * are Unverifiable for the rule.
 */
export function judgeAddonChart(ctx: TemplateContext, props: Record<string, unknown>, issues: IssueCollector): void {
  const charts = ctx.evaluate(own(props, 'Chart'));
  for (const chart of charts) {
    if (chart.kind !== 'known' || typeof chart.value !== 'string') {
      if (chart.kind !== 'absent') {
        issues.unknown(RuleId.ADDON_NEEDS_IMDS, 'Properties.Chart', 'Chart', 'is only known at deploy time, so whether it is an add-on that asks IMDS is unknown');
      }
      continue;
    }
    const addon = knownAddon(chart.value);
    if (!addon) {
      continue;
    }
    let values: Values;
    if (own(props, 'Values') === undefined) {
      values = new Values({}, []);
    } else {
      const parsed = parseManifestProperty(ctx, own(props, 'Values'));
      if (!parsed.ok) {
        issues.unknown(RuleId.ADDON_NEEDS_IMDS, 'Properties.Values', 'Values', `of the ${chart.value} chart cannot be read: ${parsed.reason}`);
        continue;
      }
      values = new Values(parsed.manifest.objects[0], parsed.manifest.placeholders);
    }
    for (const need of addon.needs(values)) {
      const where = `Properties.Values.${need.path}`;
      if (need.presence.kind === 'missing') {
        issues.add(RuleId.ADDON_NEEDS_IMDS, where, `the ${chart.value} chart`,
          `is not given ${need.setting}: at hop limit 1 it cannot ask IMDS for ${addon.asks}, so set ${need.setting} in its values` +
          `${addon.ours ? ` (this library's ${addon.ours}, sets it)` : ''}`);
      } else if (need.presence.kind === 'unknown') {
        issues.unknown(RuleId.ADDON_NEEDS_IMDS, where, `the ${chart.value} chart's ${need.setting}`, `cannot be read: ${need.presence.reason}`);
      }
    }
  }
}
