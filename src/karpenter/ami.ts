import { Token } from 'aws-cdk-lib';
import { checkSelectorTags, requireNonEmpty } from './validate';
import { HardenedEksError } from '../private/errors';

/** Families whose alias may only be `@latest` (Karpenter does not pin Windows AMIs). */
const LATEST_ONLY = new Set(['windows2019', 'windows2022', 'windows2025']);

/**
 * An AMI family as Karpenter names it in `EC2NodeClass.spec.amiFamily`: it decides the user-data
 * format and the default block devices of the nodes.
 *
 * The static members are the families of Karpenter v1.14; `AmiFamily.of()` names any other.
 */
export class AmiFamily {
  /** Amazon Linux 2023 (nodeadm user data). The recommended family. */
  public static readonly AL2023 = new AmiFamily('AL2023');
  /** Amazon Linux 2. EKS stopped publishing AL2 AMIs for Kubernetes 1.33 and later. */
  public static readonly AL2 = new AmiFamily('AL2');
  /** Bottlerocket (TOML user data, separate OS and data volumes). */
  public static readonly BOTTLEROCKET = new AmiFamily('Bottlerocket');
  /** Windows Server 2019. */
  public static readonly WINDOWS2019 = new AmiFamily('Windows2019');
  /** Windows Server 2022. */
  public static readonly WINDOWS2022 = new AmiFamily('Windows2022');
  /** Windows Server 2025. */
  public static readonly WINDOWS2025 = new AmiFamily('Windows2025');
  /** A custom AMI: Karpenter adds no user data of its own. Has no alias. */
  public static readonly CUSTOM = new AmiFamily('Custom');

  /**
   * A family by its `amiFamily` name, e.g. `AL2023` (case-insensitive for the known families).
   *
   * @param name the value of `spec.amiFamily`
   */
  public static of(name: string): AmiFamily {
    const known = [AmiFamily.AL2023, AmiFamily.AL2, AmiFamily.BOTTLEROCKET, AmiFamily.WINDOWS2019,
      AmiFamily.WINDOWS2022, AmiFamily.WINDOWS2025, AmiFamily.CUSTOM].find((f) => f.name.toLowerCase() === String(name).toLowerCase());
    if (known) {
      return known;
    }
    if (Token.isUnresolved(name) || !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
      throw new HardenedEksError('InvalidAmiFamily', undefined,
        `AmiFamily.of(${JSON.stringify(name)}): an AMI family is a literal name of letters and digits such as 'AL2023' or 'Bottlerocket'.`);
    }
    return new AmiFamily(name);
  }

  /** The family's name in `spec.amiFamily`, e.g. `AL2023`. */
  public readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }

  /** The family as written in an alias (`al2023@...`): the name in lower case. */
  public get aliasFamily(): string {
    return this.name.toLowerCase();
  }

  /** Whether Karpenter only accepts `@latest` aliases for this family (the Windows families). */
  public get latestOnly(): boolean {
    return LATEST_ONLY.has(this.aliasFamily);
  }
}

/**
 * An EKS-optimized AMI alias, `family@version`: Karpenter resolves it to the AMI EKS publishes
 * for the cluster's Kubernetes version.
 *
 * Pin a version in production (`AmiAlias.of(AmiFamily.AL2023, 'v20251117')`): with `@latest` every
 * AMI release drifts and replaces every node.
 */
export class AmiAlias {
  /**
   * A pinned alias, e.g. `AmiAlias.of(AmiFamily.AL2023, 'v20251117')` for `al2023@v20251117`.
   *
   * @param family the AMI family (not `CUSTOM`, which has no alias)
   * @param version the EKS AMI release: `vYYYYMMDD` for Amazon Linux, `v1.2.3` for Bottlerocket,
   *   or `latest`
   */
  public static of(family: AmiFamily, version: string): AmiAlias {
    return new AmiAlias(family, version);
  }

  /**
   * The newest AMI of a family, `family@latest`. Every AMI release then drifts and replaces the
   * nodes; Windows families only support this form.
   *
   * @param family the AMI family (not `CUSTOM`, which has no alias)
   */
  public static latest(family: AmiFamily): AmiAlias {
    return new AmiAlias(family, 'latest');
  }

  /** The AMI family. */
  public readonly family: AmiFamily;
  /** The version, e.g. `v20251117` or `latest`. */
  public readonly version: string;

  private constructor(family: AmiFamily, version: string) {
    const where = `AmiAlias.of(${family.name}, ${JSON.stringify(version)})`;
    if (family === AmiFamily.CUSTOM) {
      throw new HardenedEksError('InvalidAmiAlias', undefined,
        `${where}: the Custom family has no alias. Select a custom AMI with AmiSelectorTerm.fromId(), fromName(), fromTags() or fromSsmParameter() and amiFamily: AmiFamily.CUSTOM.`);
    }
    if (Token.isUnresolved(version) || !/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(version)) {
      throw new HardenedEksError('InvalidAmiAlias', undefined,
        `${where}: version must be a literal EKS AMI release such as 'v20251117' (Amazon Linux), 'v1.50.0' (Bottlerocket) or 'latest'.`);
    }
    if (family.latestOnly && version !== 'latest') {
      throw new HardenedEksError('InvalidAmiAlias', undefined,
        `${where}: Karpenter only accepts '${family.aliasFamily}@latest' for Windows families; use AmiAlias.latest(AmiFamily.${family.name.toUpperCase()}).`);
    }
    const value = `${family.aliasFamily}@${version}`;
    if (value.length > 30) {
      throw new HardenedEksError('InvalidAmiAlias', undefined, `${where}: the alias '${value}' is ${value.length} characters; the EC2NodeClass CRD allows at most 30.`);
    }
    this.family = family;
    this.version = version;
  }

  /** The alias as written in `amiSelectorTerms`, e.g. `al2023@v20251117`. */
  public get value(): string {
    return `${this.family.aliasFamily}@${this.version}`;
  }

  /** Whether the alias follows the newest AMI (`@latest`) instead of a pinned release. */
  public get isLatest(): boolean {
    return this.version === 'latest';
  }
}

/** Options for AMI selector terms that can be narrowed to an owner. */
export interface AmiSelectorTermOptions {
  /**
   * The AMI owner: an AWS account id, `self`, `amazon` or `aws-marketplace`.
   *
   * @default - Karpenter's default: the current account and `amazon`
   */
  readonly owner?: string;
}

/** One AMI selector term, as rendered into `spec.amiSelectorTerms`. */
interface AmiSelectorTermSpec {
  readonly alias?: string;
  readonly id?: string;
  readonly name?: string;
  readonly owner?: string;
  readonly ssmParameter?: string;
  readonly tags?: { [key: string]: string };
}

/**
 * How a node class selects its AMI: one of `alias`, `id`, `name`, `tags` or `ssmParameter`.
 * Terms are ORed; an alias term must be the only term.
 */
export class AmiSelectorTerm {
  /**
   * An EKS-optimized AMI by alias, e.g. `AmiSelectorTerm.fromAlias(AmiAlias.of(AmiFamily.AL2023, 'v20251117'))`.
   * It must be the only term; `amiFamily` is then inferred from it.
   *
   * @param alias the alias
   */
  public static fromAlias(alias: AmiAlias): AmiSelectorTerm {
    return new AmiSelectorTerm({ alias: alias.value }, alias);
  }

  /**
   * An AMI by id, e.g. `ami-0123456789abcdef0`. Needs `amiFamily` on the node class.
   *
   * @param amiId the AMI id
   */
  public static fromId(amiId: string): AmiSelectorTerm {
    if (!Token.isUnresolved(amiId) && !/^ami-[0-9a-z]+$/.test(amiId)) {
      throw new HardenedEksError('InvalidAmiSelectorTerm', undefined,
        `AmiSelectorTerm.fromId(${JSON.stringify(amiId)}): an AMI id looks like 'ami-0123456789abcdef0'.`);
    }
    return new AmiSelectorTerm({ id: amiId });
  }

  /**
   * AMIs by their name (the `Name` field, not the `Name` tag); `*` matches any characters.
   * Needs `amiFamily` on the node class.
   *
   * @param name the AMI name
   * @param options narrow to an owner
   */
  public static fromName(name: string, options: AmiSelectorTermOptions = {}): AmiSelectorTerm {
    requireNonEmpty('AmiSelectorTerm.fromName', 'name', name);
    return new AmiSelectorTerm({ name, owner: owner(options) });
  }

  /**
   * AMIs by tags (ANDed; `*` as a value matches any value). Needs `amiFamily` on the node class.
   *
   * @param tags tag keys and values
   * @param options narrow to an owner
   */
  public static fromTags(tags: { [key: string]: string }, options: AmiSelectorTermOptions = {}): AmiSelectorTerm {
    return new AmiSelectorTerm({ tags: checkSelectorTags('AmiSelectorTerm.fromTags', tags), owner: owner(options) });
  }

  /**
   * The AMI whose id an SSM parameter holds (name or ARN), e.g. a parameter under
   * `/aws/service/eks/optimized-ami/`. Needs `amiFamily` on the node class.
   *
   * @param parameterName the parameter name or ARN
   */
  public static fromSsmParameter(parameterName: string): AmiSelectorTerm {
    requireNonEmpty('AmiSelectorTerm.fromSsmParameter', 'parameterName', parameterName);
    return new AmiSelectorTerm({ ssmParameter: parameterName });
  }

  /** The alias, for alias terms. */
  public readonly alias?: AmiAlias;

  private constructor(private readonly spec: AmiSelectorTermSpec, alias?: AmiAlias) {
    this.alias = alias;
  }

  /** @internal */
  public _render(): AmiSelectorTermSpec {
    return { ...this.spec, tags: this.spec.tags ? { ...this.spec.tags } : undefined };
  }
}

function owner(options: AmiSelectorTermOptions): string | undefined {
  if (options.owner !== undefined) {
    requireNonEmpty('AmiSelectorTermOptions', 'owner', options.owner);
  }
  return options.owner;
}
