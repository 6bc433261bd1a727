import { Duration, Size, Token } from 'aws-cdk-lib';
import { LABEL_VALUE } from './validate';
import { HardenedEksError } from '../private/errors';

/**
 * An EC2 capacity type a NodePool may launch (`karpenter.sh/capacity-type`).
 */
export class CapacityType {
  /** On-Demand instances. */
  public static readonly ON_DEMAND = new CapacityType('on-demand');
  /** Spot instances: cheaper, interrupted with two minutes' notice (Karpenter drains them). */
  public static readonly SPOT = new CapacityType('spot');
  /** Capacity reservations selected by the node class (`capacityReservationSelectorTerms`). */
  public static readonly RESERVED = new CapacityType('reserved');

  /**
   * A capacity type by its label value, for values newer than this library.
   *
   * @param value the `karpenter.sh/capacity-type` label value
   */
  public static of(value: string): CapacityType {
    return [CapacityType.ON_DEMAND, CapacityType.SPOT, CapacityType.RESERVED].find((c) => c.value === value)
      ?? new CapacityType(checkLabelValue('CapacityType.of', value));
  }

  /** The `karpenter.sh/capacity-type` label value. */
  public readonly value: string;

  private constructor(value: string) {
    this.value = value;
  }
}

/**
 * A CPU architecture as Kubernetes labels it (`kubernetes.io/arch`).
 */
export class CpuArchitecture {
  /** x86-64 (Intel and AMD). */
  public static readonly AMD64 = new CpuArchitecture('amd64');
  /** 64-bit Arm (AWS Graviton). */
  public static readonly ARM64 = new CpuArchitecture('arm64');

  /**
   * An architecture by its label value.
   *
   * @param value the `kubernetes.io/arch` label value
   */
  public static of(value: string): CpuArchitecture {
    return [CpuArchitecture.AMD64, CpuArchitecture.ARM64].find((c) => c.value === value)
      ?? new CpuArchitecture(checkLabelValue('CpuArchitecture.of', value));
  }

  /** The `kubernetes.io/arch` label value. */
  public readonly value: string;

  private constructor(value: string) {
    this.value = value;
  }
}

/**
 * How a requirement relates a node label to its values.
 */
export enum RequirementOperator {
  /** The label's value is one of `values`. */
  IN = 'In',
  /** The label's value is none of `values` (or the label is absent). */
  NOT_IN = 'NotIn',
  /** The label is present, with any value. */
  EXISTS = 'Exists',
  /** The label is absent. */
  DOES_NOT_EXIST = 'DoesNotExist',
  /** The label's value, an integer, is greater than the single value. */
  GT = 'Gt',
  /** The label's value, an integer, is less than the single value. */
  LT = 'Lt',
  /** The label's value, an integer, is greater than or equal to the single value. */
  GTE = 'Gte',
  /** The label's value, an integer, is less than or equal to the single value. */
  LTE = 'Lte',
}

/**
 * A scheduling requirement on the nodes of a NodePool (`spec.template.spec.requirements`), e.g.
 * `{ key: 'karpenter.k8s.aws/instance-family', requirementOperator: RequirementOperator.NOT_IN, values: ['t3'] }`.
 */
export interface NodePoolRequirement {
  /** The node label, e.g. `karpenter.k8s.aws/instance-size` or `topology.kubernetes.io/zone`. */
  readonly key: string;

  /** How the label relates to `values` (the requirement's `operator`). */
  readonly requirementOperator: RequirementOperator;

  /**
   * The values: at least one for `IN` / `NOT_IN`, exactly one integer for `GT` / `LT` / `GTE` /
   * `LTE`, none for `EXISTS` / `DOES_NOT_EXIST`.
   *
   * @default - no values
   */
  readonly values?: string[];

  /**
   * With `IN`: the least number of distinct values Karpenter must keep available when it picks
   * instance types (flexibility for Spot). Alpha in Karpenter.
   *
   * @default - no minimum
   */
  readonly minValues?: number;
}

/**
 * What a taint does to pods that do not tolerate it.
 */
export enum TaintEffect {
  /** Pods that do not tolerate the taint are not scheduled on the node. */
  NO_SCHEDULE = 'NoSchedule',
  /** The scheduler avoids the node for pods that do not tolerate the taint. */
  PREFER_NO_SCHEDULE = 'PreferNoSchedule',
  /** Pods that do not tolerate the taint are evicted and not scheduled. */
  NO_EXECUTE = 'NoExecute',
}

/**
 * A taint on the nodes of a NodePool.
 */
export interface NodePoolTaint {
  /** The taint key, e.g. `nvidia.com/gpu`. */
  readonly key: string;

  /**
   * The taint value.
   *
   * @default - no value
   */
  readonly value?: string;

  /** What the taint does to pods that do not tolerate it. */
  readonly effect: TaintEffect;
}

/**
 * The most a NodePool may provision in total; Karpenter stops launching nodes at the limit.
 */
export interface NodePoolLimits {
  /**
   * Total vCPUs of the NodePool's nodes.
   *
   * @default 1000
   */
  readonly cpu?: number;

  /**
   * Total memory of the NodePool's nodes.
   *
   * @default Size.gibibytes(1000)
   */
  readonly memory?: Size;
}

/**
 * Which nodes Karpenter may remove or replace to save cost.
 */
export enum ConsolidationPolicy {
  /** Only nodes without workload pods. */
  WHEN_EMPTY = 'WhenEmpty',
  /** Empty nodes and nodes whose pods fit elsewhere or on a cheaper node. */
  WHEN_EMPTY_OR_UNDERUTILIZED = 'WhenEmptyOrUnderutilized',
  /** Like `WHEN_EMPTY_OR_UNDERUTILIZED`, but only when the saving outweighs the disruption. */
  BALANCED = 'Balanced',
}

/**
 * A disruption method a budget can be limited to.
 */
export enum DisruptionReason {
  /** Consolidation of underutilized nodes. */
  UNDERUTILIZED = 'Underutilized',
  /** Removal of empty nodes. */
  EMPTY = 'Empty',
  /** Replacement of drifted nodes (e.g. a new AMI). */
  DRIFTED = 'Drifted',
}

/**
 * How many of a NodePool's nodes Karpenter may disrupt at once, optionally only during a
 * schedule.
 */
export interface DisruptionBudget {
  /** A number of nodes (`'5'`) or a percentage of the pool (`'10%'`); `'0'` blocks disruption. */
  readonly nodes: string;

  /**
   * When the budget starts being active, in cron syntax (UTC), e.g. `'0 9 * * mon-fri'`. Needs
   * `duration`.
   *
   * @default - always active
   */
  readonly schedule?: string;

  /**
   * How long the budget stays active after each `schedule` hit (whole minutes). Needs `schedule`.
   *
   * @default - always active
   */
  readonly duration?: Duration;

  /**
   * The disruption methods the budget limits.
   *
   * @default - all methods
   */
  readonly reasons?: DisruptionReason[];
}

/**
 * How Karpenter consolidates the NodePool's nodes.
 */
export interface NodePoolDisruption {
  /**
   * Which nodes consolidation may remove or replace.
   *
   * @default ConsolidationPolicy.WHEN_EMPTY_OR_UNDERUTILIZED
   */
  readonly consolidationPolicy?: ConsolidationPolicy;

  /**
   * How long a node must be empty or underutilized before Karpenter consolidates it.
   *
   * @default Duration.minutes(1)
   */
  readonly consolidateAfter?: Duration;

  /**
   * Disruption budgets; the most restrictive active budget applies.
   *
   * @default - one budget of 10% of the nodes
   */
  readonly budgets?: DisruptionBudget[];
}

function checkLabelValue(where: string, value: string): string {
  if (Token.isUnresolved(value) || typeof value !== 'string' || value === '' || value.length > 63 || !LABEL_VALUE.test(value)) {
    throw new HardenedEksError('InvalidLabelValue', undefined,
      `${where}(${JSON.stringify(value)}): give a literal label value (letters, digits, '-', '_', '.', at most 63 characters), e.g. 'on-demand'.`);
  }
  return value;
}
