import { Duration, Lazy, Size, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { Construct, IConstruct } from 'constructs';
import {
  CapacityType, ConsolidationPolicy, CpuArchitecture, DisruptionBudget, NodePoolDisruption, NodePoolLimits, NodePoolRequirement,
  NodePoolTaint, RequirementOperator, TaintEffect,
} from './capacity';
import { HardenedEc2NodeClass, IEc2NodeClassRef } from './ec2-node-class';
import { LABEL_VALUE, NAMED_NODE_CLASS_REFS, QUALIFIED_NAME, applyKarpenterObject, isValidObjectName, objectNameFromId, restrictedLabelReason } from './validate';
import * as k8s from '../imports/karpenter.sh';
import { showSize } from '../private/compat';
import { HardenedEksError } from '../private/errors';

const CAPACITY_TYPE = 'karpenter.sh/capacity-type';
const ARCH = 'kubernetes.io/arch';
const INSTANCE_CATEGORY = 'karpenter.k8s.aws/instance-category';
const INSTANCE_GENERATION = 'karpenter.k8s.aws/instance-generation';

const NUMERIC_OPERATORS = [RequirementOperator.GT, RequirementOperator.LT, RequirementOperator.GTE, RequirementOperator.LTE];
const BUDGET_NODES = /^((100|[0-9]{1,2})%|[0-9]+)$/;

/**
 * Options for a `NodePool`, without the cluster (see `Karpenter.addNodePool()`).
 */
export interface NodePoolOptions {
  /**
   * The EC2NodeClass the pool's nodes use: a `HardenedEc2NodeClass` (the pool is then applied
   * after it), `Ec2NodeClassRef.fromName()` for one made elsewhere in this app (checked at synth),
   * or `Ec2NodeClassRef.fromExternalName()` for one applied outside this app.
   */
  readonly nodeClass: IEc2NodeClassRef;

  /**
   * Name of the NodePool (a DNS-1123 label, at most 63 characters: it becomes the
   * `karpenter.sh/nodepool` label value of its nodes).
   *
   * @default - derived from the construct id: lower-cased, other characters replaced with '-'
   */
  readonly name?: string;

  /**
   * More requirements on the nodes. A requirement on `karpenter.sh/capacity-type`,
   * `kubernetes.io/arch`, `karpenter.k8s.aws/instance-category` or
   * `karpenter.k8s.aws/instance-generation` replaces the default for that key (do not also set
   * the matching prop). Add more later with `addRequirement()`.
   *
   * @default - only the requirements of `capacityTypes`, `architectures`, `instanceCategories`
   *   and `minInstanceGeneration`
   */
  readonly requirements?: NodePoolRequirement[];

  /**
   * Capacity types the pool may launch (`karpenter.sh/capacity-type`).
   *
   * @default [CapacityType.ON_DEMAND]
   */
  readonly capacityTypes?: CapacityType[];

  /**
   * CPU architectures the pool may launch (`kubernetes.io/arch`). Workload images must exist for
   * every architecture listed.
   *
   * @default [CpuArchitecture.AMD64, CpuArchitecture.ARM64]
   */
  readonly architectures?: CpuArchitecture[];

  /**
   * EC2 instance categories (`karpenter.k8s.aws/instance-category`), e.g. `c` (compute), `m`
   * (general purpose), `r` (memory).
   *
   * @default ['c', 'm', 'r']
   */
  readonly instanceCategories?: string[];

  /**
   * The oldest EC2 instance generation the pool may launch (`karpenter.k8s.aws/instance-generation`,
   * rendered as `Gt <n - 1>`).
   *
   * @default 6 - current generations only (generation > 5)
   */
  readonly minInstanceGeneration?: number;

  /**
   * The most the pool may provision in total.
   *
   * @default - 1000 vCPU and 1000 GiB of memory
   */
  readonly limits?: NodePoolLimits;

  /**
   * Consolidation policy, delay and budgets.
   *
   * @default - `WhenEmptyOrUnderutilized` after 1 minute, at most 10% of the nodes at once
   */
  readonly disruption?: NodePoolDisruption;

  /**
   * How long a node lives before Karpenter replaces it (picks up new AMIs and limits drift).
   *
   * @default Duration.hours(720)
   */
  readonly expireAfter?: Duration;

  /**
   * How long Karpenter waits for a draining node's pods before deleting them anyway (overrides
   * PodDisruptionBudgets and `karpenter.sh/do-not-disrupt` once reached).
   *
   * @default - Karpenter waits for the pods indefinitely
   */
  readonly terminationGracePeriod?: Duration;

  /**
   * Taints on the pool's nodes. Add more later with `addTaint()`.
   *
   * @default - no taints
   */
  readonly taints?: NodePoolTaint[];

  /**
   * Taints present only while a node starts, removed by a DaemonSet (e.g. a CNI agent) when it is
   * ready. Add more later with `addStartupTaint()`.
   *
   * @default - no startup taints
   */
  readonly startupTaints?: NodePoolTaint[];

  /**
   * Labels on the pool's nodes (`spec.template.metadata.labels`).
   *
   * @default - only the labels Karpenter sets
   */
  readonly labels?: { [key: string]: string };

  /**
   * Priority among NodePools, 1 to 100: Karpenter tries higher weights first.
   *
   * @default - no weight (treated as 0)
   */
  readonly weight?: number;
}

/**
 * Props for a `NodePool`.
 */
export interface NodePoolProps extends NodePoolOptions {
  /** The cluster the NodePool is applied to (with `cluster.addManifest()`). */
  readonly cluster: eks.ICluster;
}

/**
 * A Karpenter `karpenter.sh/v1` `NodePool`: which instances Karpenter may launch for pending
 * pods, with which node class, and how it consolidates and expires them.
 *
 * The defaults are conservative: On-Demand, current-generation `c`/`m`/`r` instances on amd64 and
 * arm64, at most 1000 vCPU and 1000 GiB, consolidation after 1 minute within a 10% budget, nodes
 * replaced after 30 days. Rendered with the cdk8s types generated from the Karpenter v1.14 CRDs
 * and applied with `cluster.addManifest()`.
 */
export class NodePool extends Construct {
  /** The name of the NodePool. */
  public readonly nodePoolName: string;

  /** The node class the pool's nodes use. */
  public readonly nodeClass: IEc2NodeClassRef;

  /** The cluster the NodePool is applied to. */
  public readonly cluster: eks.ICluster;

  /** The manifest that applies the NodePool. */
  public readonly manifest: eks.KubernetesManifest;

  private readonly defaultRequirements: Array<{ requirement: NodePoolRequirement; explicitProp?: string }>;
  private readonly extraRequirements: NodePoolRequirement[] = [];
  private readonly taintList: NodePoolTaint[] = [];
  private readonly startupTaintList: NodePoolTaint[] = [];

  constructor(scope: Construct, id: string, props: NodePoolProps) {
    super(scope, id);
    this.nodePoolName = props.name ?? objectNameFromId(id);
    if (Token.isUnresolved(this.nodePoolName) || !isValidObjectName(this.nodePoolName)) {
      throw new HardenedEksError('InvalidNodePoolName', this,
        `name is ${Token.isUnresolved(this.nodePoolName) ? 'a deploy-time value' : JSON.stringify(this.nodePoolName)}; a NodePool name must be a literal ` +
        'DNS-1123 label: lower case letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters (e.g. \'default\').');
    }
    if (!props.nodeClass || typeof props.nodeClass.nodeClassName !== 'string' || props.nodeClass.nodeClassName === '') {
      throw new HardenedEksError('InvalidNodeClassRef', this,
        'nodeClass has no nodeClassName; pass a HardenedEc2NodeClass, Ec2NodeClassRef.fromName() or Ec2NodeClassRef.fromExternalName().');
    }
    this.nodeClass = props.nodeClass;
    this.cluster = props.cluster;

    this.defaultRequirements = this.defaultRequirementsOf(props);
    for (const r of props.requirements ?? []) {
      this.addRequirement(r);
    }
    for (const t of props.taints ?? []) {
      this.addTaint(t);
    }
    for (const t of props.startupTaints ?? []) {
      this.addStartupTaint(t);
    }
    const weight = props.weight;
    if (weight !== undefined && !Token.isUnresolved(weight) && !(Number.isInteger(weight) && weight >= 1 && weight <= 100)) {
      throw new HardenedEksError('InvalidNodePoolWeight', this, `weight is ${props.weight}; give an integer from 1 to 100 (higher is tried first), or leave it unset.`);
    }

    const spec: k8s.NodePoolSpec = {
      disruption: this.disruptionOf(props.disruption ?? {}),
      limits: this.limitsOf(props.limits ?? {}),
      template: {
        metadata: props.labels ? { labels: this.checkLabels(props.labels) } : undefined,
        spec: {
          expireAfter: durationString(this, 'expireAfter', props.expireAfter ?? Duration.hours(720)),
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: this.nodeClass.nodeClassName },
          requirements: [],
          terminationGracePeriod: props.terminationGracePeriod ? durationString(this, 'terminationGracePeriod', props.terminationGracePeriod) : undefined,
        },
      },
      weight: props.weight,
    };
    const manifest = k8s.NodePool.manifest({ metadata: { name: this.nodePoolName }, spec });
    // Requirements and taints can still grow after construction: rendered when the stack is synthesized.
    const templateSpec = manifest.spec.template.spec;
    templateSpec.requirements = Lazy.any({
      produce: () => this.requirements.map((r) => k8s.toJson_NodePoolSpecTemplateSpecRequirements(toRequirement(r))),
    });
    templateSpec.taints = Lazy.any({ produce: () => renderTaints(this.taintList) });
    templateSpec.startupTaints = Lazy.any({ produce: () => renderTaints(this.startupTaintList) });

    this.manifest = applyKarpenterObject(this, props.cluster,
      { kind: 'NodePool', name: this.nodePoolName, construct: 'NodePool', duplicateCode: 'DuplicateNodePool' }, manifest);

    const nodeClassConstruct = this.hardenedNodeClass();
    if (nodeClassConstruct) {
      this.manifest.node.addDependency(nodeClassConstruct.manifest);
    }
    this.node.addValidation({ validate: () => this.validateNodeClass() });
  }

  /**
   * The requirements the NodePool renders: the defaults not replaced by a requirement on the
   * same key, then the requirements given or added (a copy).
   */
  public get requirements(): NodePoolRequirement[] {
    const keys = new Set(this.extraRequirements.map((r) => r.key));
    return [
      ...this.defaultRequirements.filter((d) => !keys.has(d.requirement.key)).map((d) => d.requirement),
      ...this.extraRequirements,
    ].map((r) => ({ ...r, values: r.values ? [...r.values] : undefined }));
  }

  /** The taints of the pool's nodes (a copy). */
  public get taints(): NodePoolTaint[] {
    return this.taintList.map((t) => ({ ...t }));
  }

  /** The startup taints of the pool's nodes (a copy). */
  public get startupTaints(): NodePoolTaint[] {
    return this.startupTaintList.map((t) => ({ ...t }));
  }

  /**
   * Adds a requirement on the pool's nodes. A requirement on the key of a default
   * (`karpenter.sh/capacity-type`, `kubernetes.io/arch`, `karpenter.k8s.aws/instance-category`,
   * `karpenter.k8s.aws/instance-generation`) replaces that default.
   *
   * @param requirement the requirement
   */
  public addRequirement(requirement: NodePoolRequirement): void {
    checkRequirement(this, requirement);
    const fromProp = this.defaultRequirements.find((d) => d.requirement.key === requirement.key && d.explicitProp);
    if (fromProp) {
      throw new HardenedEksError('ConflictingRequirement', this,
        `a requirement on '${requirement.key}' conflicts with the ${fromProp.explicitProp} prop, which already sets it. ` +
        `Use one or the other: the prop, or a requirement on '${requirement.key}' without the prop.`);
    }
    const count = this.defaultRequirements.length + this.extraRequirements.length + 1;
    if (count > 100) {
      throw new HardenedEksError('TooManyRequirements', this, 'a NodePool takes at most 100 requirements (NodePool CRD limit).');
    }
    this.extraRequirements.push({ ...requirement, values: requirement.values ? [...requirement.values] : undefined });
  }

  /**
   * Adds a taint to the pool's nodes.
   *
   * @param taint the taint
   */
  public addTaint(taint: NodePoolTaint): void {
    this.taintList.push(checkTaint(this, 'taints', taint, this.taintList));
  }

  /**
   * Adds a startup taint to the pool's nodes: present while a node starts, removed by a DaemonSet
   * when it is ready.
   *
   * @param taint the taint
   */
  public addStartupTaint(taint: NodePoolTaint): void {
    this.startupTaintList.push(checkTaint(this, 'startupTaints', taint, this.startupTaintList));
  }

  private defaultRequirementsOf(props: NodePoolOptions): Array<{ requirement: NodePoolRequirement; explicitProp?: string }> {
    const out: Array<{ requirement: NodePoolRequirement; explicitProp?: string }> = [];
    const list = <T>(prop: string, given: T[] | undefined, fallback: T[], value: (t: T) => string) => {
      if (given !== undefined && given.length === 0) {
        throw new HardenedEksError('EmptyRequirement', this,
          `${prop} is empty; list at least one value, or leave it unset and add your own requirement on its key with addRequirement().`);
      }
      return [...new Set((given ?? fallback).map(value))];
    };
    const explicit = (prop: string, given: unknown) => (given === undefined ? undefined : prop);
    out.push({
      requirement: { key: CAPACITY_TYPE, requirementOperator: RequirementOperator.IN, values: list('capacityTypes', props.capacityTypes, [CapacityType.ON_DEMAND], (c) => c.value) },
      explicitProp: explicit('capacityTypes', props.capacityTypes),
    });
    out.push({
      requirement: {
        key: ARCH,
        requirementOperator: RequirementOperator.IN,
        values: list('architectures', props.architectures, [CpuArchitecture.AMD64, CpuArchitecture.ARM64], (a) => a.value),
      },
      explicitProp: explicit('architectures', props.architectures),
    });
    const categories = list('instanceCategories', props.instanceCategories, ['c', 'm', 'r'], (c) => c);
    for (const c of categories) {
      if (!Token.isUnresolved(c) && !/^[a-z]+$/.test(c)) {
        throw new HardenedEksError('InvalidInstanceCategory', this,
          `instanceCategories has ${JSON.stringify(c)}; an instance category is the letters before the generation, e.g. 'c', 'm', 'r', 'g', 'inf'.`);
      }
    }
    out.push({
      requirement: { key: INSTANCE_CATEGORY, requirementOperator: RequirementOperator.IN, values: categories },
      explicitProp: explicit('instanceCategories', props.instanceCategories),
    });
    const generation = props.minInstanceGeneration ?? 6;
    if (Token.isUnresolved(generation) || !Number.isInteger(generation) || generation < 1) {
      throw new HardenedEksError('InvalidInstanceGeneration', this,
        `minInstanceGeneration is ${Token.isUnresolved(generation) ? 'a deploy-time value' : generation}; give a literal integer of at least 1, e.g. 6 for c6i, m7g and newer.`);
    }
    out.push({
      requirement: { key: INSTANCE_GENERATION, requirementOperator: RequirementOperator.GT, values: [String(generation - 1)] },
      explicitProp: explicit('minInstanceGeneration', props.minInstanceGeneration),
    });
    return out;
  }

  private disruptionOf(d: NodePoolDisruption): k8s.NodePoolSpecDisruption {
    const policy = d.consolidationPolicy ?? ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED;
    if (!Object.values(ConsolidationPolicy).includes(policy)) {
      throw new HardenedEksError('InvalidDisruption', this, `disruption.consolidationPolicy is ${JSON.stringify(policy)}; use a ConsolidationPolicy member.`);
    }
    const budgets = d.budgets ?? [{ nodes: '10%' }];
    if (budgets.length > 50) {
      throw new HardenedEksError('InvalidDisruption', this, `disruption.budgets has ${budgets.length} budgets; the NodePool CRD allows at most 50.`);
    }
    return {
      budgets: budgets.map((b, i) => this.budgetOf(b, `disruption.budgets[${i}]`)),
      consolidateAfter: durationString(this, 'disruption.consolidateAfter', d.consolidateAfter ?? Duration.minutes(1)),
      consolidationPolicy: policy as string as k8s.NodePoolSpecDisruptionConsolidationPolicy,
    };
  }

  private budgetOf(b: DisruptionBudget, where: string): k8s.NodePoolSpecDisruptionBudgets {
    if (Token.isUnresolved(b.nodes) || typeof b.nodes !== 'string' || !BUDGET_NODES.test(b.nodes)) {
      throw new HardenedEksError('InvalidDisruption', this,
        `${where}.nodes is ${JSON.stringify(b.nodes)}; give a literal node count ('5') or a percentage from 0% to 100% ('10%').`);
    }
    if ((b.schedule === undefined) !== (b.duration === undefined)) {
      throw new HardenedEksError('InvalidDisruption', this,
        `${where} has ${b.schedule === undefined ? 'a duration but no schedule' : 'a schedule but no duration'}; give both (a budget active for ` +
        '`duration` after each `schedule` hit) or neither (always active).');
    }
    if (b.schedule !== undefined && !Token.isUnresolved(b.schedule)
      && !/^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))|((.+)\s(.+)\s(.+)\s(.+)\s(.+))$/.test(b.schedule)) {
      throw new HardenedEksError('InvalidDisruption', this,
        `${where}.schedule is ${JSON.stringify(b.schedule)}; give a cron expression with five fields ('0 9 * * mon-fri') or a macro such as '@daily'.`);
    }
    return {
      nodes: b.nodes,
      schedule: b.schedule,
      duration: b.duration ? budgetDuration(this, `${where}.duration`, b.duration) : undefined,
      reasons: b.reasons ? [...new Set(b.reasons)].map((r) => r as string as k8s.NodePoolSpecDisruptionBudgetsReasons) : undefined,
    };
  }

  private limitsOf(limits: NodePoolLimits): { [key: string]: k8s.NodePoolSpecLimits } {
    const cpu = limits.cpu ?? 1000;
    if (!Token.isUnresolved(cpu) && !(cpu > 0 && Number.isFinite(cpu))) {
      throw new HardenedEksError('InvalidLimits', this, `limits.cpu is ${cpu}; give a positive number of vCPUs, e.g. 1000.`);
    }
    const memory = limits.memory ?? Size.gibibytes(1000);
    let mib: number;
    try {
      mib = memory.toMebibytes();
    } catch {
      mib = NaN;
    }
    if (!Number.isInteger(mib) || mib <= 0) {
      throw new HardenedEksError('InvalidLimits', this, `limits.memory is ${showSize(memory)}; give a positive whole number of MiB, e.g. Size.gibibytes(1000).`);
    }
    return {
      cpu: Token.isUnresolved(cpu) || Number.isInteger(cpu) ? k8s.NodePoolSpecLimits.fromNumber(cpu) : k8s.NodePoolSpecLimits.fromString(String(cpu)),
      memory: k8s.NodePoolSpecLimits.fromString(mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`),
    };
  }

  private checkLabels(labels: { [key: string]: string }): { [key: string]: string } {
    const entries = Object.entries(labels);
    if (entries.length > 100) {
      throw new HardenedEksError('InvalidLabels', this, `labels has ${entries.length} entries; the NodePool CRD allows at most 100.`);
    }
    for (const [key, value] of entries) {
      checkLabelKey(this, `labels key '${key}'`, key);
      if (!Token.isUnresolved(value) && (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value))) {
        throw new HardenedEksError('InvalidLabels', this,
          `labels['${key}'] is ${JSON.stringify(value)}; a label value has at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit.`);
      }
    }
    return { ...labels };
  }

  /** The `HardenedEc2NodeClass` behind `nodeClass`, when the app creates it (and it exists yet). */
  private hardenedNodeClass(): HardenedEc2NodeClass | undefined {
    if (HardenedEc2NodeClass.isHardenedEc2NodeClass(this.nodeClass)) {
      return this.nodeClass;
    }
    if (NAMED_NODE_CLASS_REFS.has(this.nodeClass)) {
      return nodeClassesOn(this, this.cluster).find((c) => c.nodeClassName === this.nodeClass.nodeClassName);
    }
    return undefined;
  }

  private validateNodeClass(): string[] {
    const ref = this.nodeClass;
    if (HardenedEc2NodeClass.isHardenedEc2NodeClass(ref)) {
      return sameCluster(ref.cluster, this.cluster) ? [] : [
        `NodePool '${this.nodePoolName}' (${this.node.path}) is applied to cluster ${clusterLabel(this.cluster)}, but its nodeClass ` +
        `HardenedEc2NodeClass '${ref.nodeClassName}' (${ref.node.path}) is applied to cluster ${clusterLabel(ref.cluster)}. ` +
        'A NodePool can only use a node class of its own cluster.',
      ];
    }
    if (!NAMED_NODE_CLASS_REFS.has(ref)) {
      return [];
    }
    const onCluster = nodeClassesOn(this, this.cluster);
    if (onCluster.some((c) => c.nodeClassName === ref.nodeClassName)) {
      return [];
    }
    const known = onCluster.map((c) => `'${c.nodeClassName}' (${c.node.path})`);
    return [
      `NodePool '${this.nodePoolName}' (${this.node.path}) uses EC2NodeClass '${ref.nodeClassName}' (Ec2NodeClassRef.fromName), but no ` +
      `HardenedEc2NodeClass named '${ref.nodeClassName}' is applied to cluster ${clusterLabel(this.cluster)} in this app` +
      `${known.length ? `; it has ${known.join(', ')}` : ''}. Add that node class (e.g. karpenter.addEc2NodeClass()), fix the name, or use ` +
      'Ec2NodeClassRef.fromExternalName() for a node class applied outside this app.',
    ];
  }
}

/** The `HardenedEc2NodeClass`es of the whole app applied to `cluster`. */
function nodeClassesOn(scope: IConstruct, cluster: eks.ICluster): HardenedEc2NodeClass[] {
  return scope.node.root.node.findAll()
    .filter((c): c is HardenedEc2NodeClass => HardenedEc2NodeClass.isHardenedEc2NodeClass(c))
    .filter((c) => sameCluster(c.cluster, cluster));
}

/** The same cluster object, or clusters with the same literal name in the same account and region. */
function sameCluster(a: eks.ICluster, b: eks.ICluster): boolean {
  if (a === b) {
    return true;
  }
  if (Token.isUnresolved(a.clusterName) || Token.isUnresolved(b.clusterName) || a.clusterName !== b.clusterName) {
    return false;
  }
  return a.env.account === b.env.account && a.env.region === b.env.region;
}

function clusterLabel(cluster: eks.ICluster): string {
  return Token.isUnresolved(cluster.clusterName) ? cluster.node.path : `'${cluster.clusterName}' (${cluster.node.path})`;
}

function checkLabelKey(scope: Construct, what: string, key: string): void {
  if (Token.isUnresolved(key) || typeof key !== 'string' || key.length > 316 || !QUALIFIED_NAME.test(key)) {
    throw new HardenedEksError('InvalidLabelKey', scope,
      `${what} is not a valid label key; use a qualified name such as 'example.com/team' or 'topology.kubernetes.io/zone'.`);
  }
  const reason = restrictedLabelReason(key);
  if (reason) {
    throw new HardenedEksError('RestrictedLabelKey', scope, `${what} cannot be used in a NodePool: ${reason}.`);
  }
}

function checkRequirement(scope: Construct, r: NodePoolRequirement): void {
  const what = `requirement '${r.key}'`;
  checkLabelKey(scope, `the key of ${what}`, r.key);
  if (!Object.values(RequirementOperator).includes(r.requirementOperator)) {
    throw new HardenedEksError('InvalidRequirement', scope, `${what} has operator ${JSON.stringify(r.requirementOperator)}; use a RequirementOperator member.`);
  }
  const values = r.values ?? [];
  if (NUMERIC_OPERATORS.includes(r.requirementOperator) && (values.length !== 1 || (!Token.isUnresolved(values[0]) && !/^[0-9]+$/.test(values[0])))) {
    throw new HardenedEksError('InvalidRequirement', scope,
      `${what} uses ${r.requirementOperator} with values ${JSON.stringify(values)}; ${r.requirementOperator} takes exactly one non-negative integer, e.g. ['5'].`);
  }
  for (const v of values) {
    if (!Token.isUnresolved(v) && (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v))) {
      throw new HardenedEksError('InvalidRequirement', scope,
        `${what} has the value ${JSON.stringify(v)}; a label value has at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit.`);
    }
  }
  if ((r.requirementOperator === RequirementOperator.IN || r.requirementOperator === RequirementOperator.NOT_IN) && values.length === 0) {
    throw new HardenedEksError('InvalidRequirement', scope, `${what} uses ${r.requirementOperator} without values; list at least one value.`);
  }
  if ((r.requirementOperator === RequirementOperator.EXISTS || r.requirementOperator === RequirementOperator.DOES_NOT_EXIST) && values.length > 0) {
    throw new HardenedEksError('InvalidRequirement', scope, `${what} uses ${r.requirementOperator} with values ${JSON.stringify(values)}; ${r.requirementOperator} takes no values.`);
  }
  if (r.minValues !== undefined) {
    if (r.requirementOperator !== RequirementOperator.IN) {
      throw new HardenedEksError('InvalidRequirement', scope, `${what} sets minValues with ${r.requirementOperator}; minValues only applies to In.`);
    }
    if (!Number.isInteger(r.minValues) || r.minValues < 1 || r.minValues > 50 || r.minValues > values.length) {
      throw new HardenedEksError('InvalidRequirement', scope,
        `${what} has minValues ${r.minValues}; give an integer from 1 to 50 and at most the number of values (${values.length}).`);
    }
  }
}

function checkTaint(scope: Construct, prop: string, t: NodePoolTaint, existing: NodePoolTaint[]): NodePoolTaint {
  if (Token.isUnresolved(t.key) || typeof t.key !== 'string' || !QUALIFIED_NAME.test(t.key)) {
    throw new HardenedEksError('InvalidTaint', scope, `${prop}: the key ${JSON.stringify(t.key)} is not a qualified name such as 'example.com/dedicated'.`);
  }
  if (t.value !== undefined && !Token.isUnresolved(t.value) && (typeof t.value !== 'string' || !QUALIFIED_NAME.test(t.value))) {
    throw new HardenedEksError('InvalidTaint', scope,
      `${prop}: the value of taint '${t.key}' is ${JSON.stringify(t.value)}; use letters, digits, '-', '_' and '.', starting and ending with a letter or digit.`);
  }
  if (!Object.values(TaintEffect).includes(t.effect)) {
    throw new HardenedEksError('InvalidTaint', scope, `${prop}: taint '${t.key}' has effect ${JSON.stringify(t.effect)}; use a TaintEffect member.`);
  }
  if (existing.some((e) => e.key === t.key && e.effect === t.effect)) {
    throw new HardenedEksError('DuplicateTaint', scope, `${prop} already has a taint '${t.key}' with effect ${t.effect}; a node can carry each key and effect once.`);
  }
  return { key: t.key, value: t.value, effect: t.effect };
}

function toRequirement(r: NodePoolRequirement): k8s.NodePoolSpecTemplateSpecRequirements {
  const operator = r.requirementOperator as string as k8s.NodePoolSpecTemplateSpecRequirementsOperator;
  return { key: r.key, operator, values: r.values, minValues: r.minValues };
}

function renderTaints(taints: NodePoolTaint[]): Array<Record<string, any> | undefined> | undefined {
  return taints.length === 0 ? undefined : taints.map((t) => k8s.toJson_NodePoolSpecTemplateSpecTaints({
    key: t.key,
    value: t.value,
    effect: t.effect as string as k8s.NodePoolSpecTemplateSpecTaintsEffect,
  }));
}

/** A Duration as Karpenter writes it (`720h`, `1m`, `30s`): the largest unit that divides it. */
function durationString(scope: Construct, prop: string, d: Duration): string {
  const seconds = wholeSeconds(scope, prop, d);
  if (seconds === 0) {
    return '0s';
  }
  return seconds % 3600 === 0 ? `${seconds / 3600}h` : seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

/** A budget's duration: whole minutes, written `2h`, `1h30m` or `45m`. */
function budgetDuration(scope: Construct, prop: string, d: Duration): string {
  const seconds = wholeSeconds(scope, prop, d);
  if (seconds === 0 || seconds % 60 !== 0) {
    throw new HardenedEksError('InvalidDuration', scope, `${prop} is ${d.toHumanString()}; a budget lasts a positive whole number of minutes.`);
  }
  const hours = Math.floor(seconds / 3600);
  const minutes = (seconds % 3600) / 60;
  return hours === 0 ? `${minutes}m` : minutes === 0 ? `${hours}h` : `${hours}h${minutes}m`;
}

function wholeSeconds(scope: Construct, prop: string, d: Duration): number {
  if (d.isUnresolved()) {
    throw new HardenedEksError('InvalidDuration', scope, `${prop} is a deploy-time value; give a literal Duration, e.g. Duration.hours(720).`);
  }
  let seconds: number;
  try {
    seconds = d.toSeconds();
  } catch {
    seconds = NaN;
  }
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw new HardenedEksError('InvalidDuration', scope, `${prop} is ${d.toHumanString()}; give a whole, non-negative number of seconds.`);
  }
  return seconds;
}
