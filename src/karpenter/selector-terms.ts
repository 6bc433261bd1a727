import { Token } from 'aws-cdk-lib';
import { checkSelectorTags, requireNonEmpty } from './validate';
import { HardenedEksError } from '../private/errors';

/** One subnet selector term, as rendered into `spec.subnetSelectorTerms`. */
interface SubnetTermSpec {
  readonly id?: string;
  readonly tags?: { [key: string]: string };
}

/** One security group selector term, as rendered into `spec.securityGroupSelectorTerms`. */
interface SecurityGroupTermSpec {
  readonly id?: string;
  readonly name?: string;
  readonly tags?: { [key: string]: string };
}

/**
 * Which subnets Karpenter launches nodes into: by tags or by id. Terms are ORed.
 */
export class SubnetSelectorTerm {
  /**
   * Subnets carrying all these tags (`*` as a value matches any value), e.g.
   * `{ 'karpenter.sh/discovery': 'my-cluster' }`.
   *
   * @param tags tag keys and values (1 to 20)
   */
  public static fromTags(tags: { [key: string]: string }): SubnetSelectorTerm {
    return new SubnetSelectorTerm({ tags: checkSelectorTags('SubnetSelectorTerm.fromTags', tags) });
  }

  /**
   * One subnet by id, e.g. `subnet-0123456789abcdef0` (or `vpc.privateSubnets[0].subnetId`).
   *
   * @param subnetId the subnet id
   */
  public static fromId(subnetId: string): SubnetSelectorTerm {
    if (!Token.isUnresolved(subnetId) && !/^subnet-[0-9a-z]+$/.test(subnetId)) {
      throw new HardenedEksError('InvalidSelectorTerm', undefined,
        `SubnetSelectorTerm.fromId(${JSON.stringify(subnetId)}): a subnet id looks like 'subnet-0123456789abcdef0'.`);
    }
    return new SubnetSelectorTerm({ id: subnetId });
  }

  private constructor(private readonly spec: SubnetTermSpec) {}

  /** @internal */
  public _render(): SubnetTermSpec {
    return { id: this.spec.id, tags: this.spec.tags ? { ...this.spec.tags } : undefined };
  }
}

/**
 * Which security groups Karpenter attaches to nodes: by tags, id or name. Terms are ORed.
 */
export class SecurityGroupSelectorTerm {
  /**
   * Security groups carrying all these tags (`*` as a value matches any value), e.g.
   * `{ 'karpenter.sh/discovery': 'my-cluster' }`.
   *
   * @param tags tag keys and values (1 to 20)
   */
  public static fromTags(tags: { [key: string]: string }): SecurityGroupSelectorTerm {
    return new SecurityGroupSelectorTerm({ tags: checkSelectorTags('SecurityGroupSelectorTerm.fromTags', tags) });
  }

  /**
   * One security group by id, e.g. `sg-0123456789abcdef0` (or `cluster.clusterSecurityGroupId`).
   *
   * @param securityGroupId the security group id
   */
  public static fromId(securityGroupId: string): SecurityGroupSelectorTerm {
    if (!Token.isUnresolved(securityGroupId) && !/^sg-[0-9a-z]+$/.test(securityGroupId)) {
      throw new HardenedEksError('InvalidSelectorTerm', undefined,
        `SecurityGroupSelectorTerm.fromId(${JSON.stringify(securityGroupId)}): a security group id looks like 'sg-0123456789abcdef0'.`);
    }
    return new SecurityGroupSelectorTerm({ id: securityGroupId });
  }

  /**
   * Security groups by name (the group name, not the `Name` tag).
   *
   * @param name the security group name
   */
  public static fromName(name: string): SecurityGroupSelectorTerm {
    requireNonEmpty('SecurityGroupSelectorTerm.fromName', 'name', name);
    return new SecurityGroupSelectorTerm({ name });
  }

  private constructor(private readonly spec: SecurityGroupTermSpec) {}

  /** @internal */
  public _render(): SecurityGroupTermSpec {
    return { id: this.spec.id, name: this.spec.name, tags: this.spec.tags ? { ...this.spec.tags } : undefined };
  }
}
