import { Annotations, Size, SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { AmiAlias, AmiFamily, AmiSelectorTerm } from './ami';
import { SecurityGroupSelectorTerm, SubnetSelectorTerm } from './selector-terms';
import { NAMED_NODE_CLASS_REFS, applyKarpenterObject, isValidObjectName, objectNameFromId } from './validate';
import * as k8s from '../imports/karpenter.k8s.aws';
import { showSize } from '../private/compat';
import { HardenedEksError } from '../private/errors';

const HARDENED_EC2_NODE_CLASS = Symbol.for('cdk-hardened-eks.HardenedEc2NodeClass');

/** Tag keys Karpenter sets itself; the EC2NodeClass CRD refuses them in `spec.tags`. */
const RESTRICTED_TAGS = ['eks:eks-cluster-name', 'karpenter.sh/nodepool', 'karpenter.sh/nodeclaim', 'karpenter.k8s.aws/ec2nodeclass'];

/** Largest volume size the EC2NodeClass CRD accepts in `Gi`. */
const MAX_VOLUME_GIB = 59000;

/**
 * A Karpenter `EC2NodeClass` a NodePool can point at, by name.
 */
export interface IEc2NodeClassRef {
  /** The name of the `EC2NodeClass` (its `metadata.name`). */
  readonly nodeClassName: string;
}

/**
 * References to EC2NodeClasses by name.
 */
export class Ec2NodeClassRef {
  /**
   * A node class that a `HardenedEc2NodeClass` of this app creates, by name. Checked at synth:
   * a NodePool that uses it fails validation unless a `HardenedEc2NodeClass` with this name is
   * applied to the same cluster.
   *
   * @param name the node class name (a literal DNS-1123 label)
   */
  public static fromName(name: string): IEc2NodeClassRef {
    checkName('Ec2NodeClassRef.fromName', name, undefined);
    const ref = new NodeClassNameRef(name);
    NAMED_NODE_CLASS_REFS.add(ref);
    return ref;
  }

  /**
   * A node class this app does not create (applied by another stack, Helm chart or GitOps tool).
   * Not checked at synth: the NodePool stays unschedulable until a node class of this name
   * exists. Make sure its `metadataOptions` keep hop limit 1 and `httpTokens: required`.
   *
   * @param name the node class name
   */
  public static fromExternalName(name: string): IEc2NodeClassRef {
    if (!Token.isUnresolved(name)) {
      checkName('Ec2NodeClassRef.fromExternalName', name, undefined);
    }
    return new NodeClassNameRef(name);
  }

  private constructor() {}
}

class NodeClassNameRef implements IEc2NodeClassRef {
  constructor(public readonly nodeClassName: string) {}
}

/**
 * Whether the Instance Metadata Service endpoint is on (`metadataOptions.httpEndpoint`).
 */
export enum MetadataHttpEndpoint {
  /** IMDS is reachable from the node (hop limit 1 keeps it away from pods). */
  ENABLED = 'enabled',
  /** IMDS is off. Node components that read instance metadata at boot then fail. */
  DISABLED = 'disabled',
}

/**
 * Whether IMDS requests need a session token (`metadataOptions.httpTokens`).
 */
export enum MetadataHttpTokens {
  /** IMDSv2 only: every request needs a token, whose PUT response the hop limit stops at the node. */
  REQUIRED = 'required',
  /** IMDSv1 allowed: token-less GETs are not hop-limited. Refused by `HardenedEc2NodeClass`. */
  OPTIONAL = 'optional',
}

/**
 * The node's root volume (the volume kubelet, containerd and images live on).
 */
export interface NodeRootVolumeOptions {
  /**
   * Size of the volume, a whole number of GiB.
   *
   * @default - 20 GiB (50 GiB for Windows families)
   */
  readonly size?: Size;

  /**
   * Customer managed KMS key for the volume's encryption. The volume is encrypted either way.
   * Karpenter launches the instances, so the key policy must let the Karpenter controller role
   * (and EC2 on its behalf) use the key (`kms:CreateGrant`, `kms:GenerateDataKeyWithoutPlaintext`,
   * `kms:Decrypt`, `kms:ReEncrypt*`, `kms:DescribeKey`).
   *
   * @default - the account's default EBS key (`aws/ebs`)
   */
  readonly kmsKey?: kms.IKey;
}

/**
 * Options for a `HardenedEc2NodeClass`, without the cluster and node role (see
 * `Karpenter.addEc2NodeClass()`).
 */
export interface HardenedEc2NodeClassOptions {
  /**
   * Name of the `EC2NodeClass` (a DNS-1123 label: lower case letters, digits and '-', at most 63
   * characters). NodePools refer to it by this name.
   *
   * @default - derived from the construct id: lower-cased, other characters replaced with '-'
   *   (`Default` becomes `default`)
   */
  readonly name?: string;

  /**
   * How to select the AMI. An alias term must be the only term.
   *
   * Pin the version in production, e.g.
   * `[AmiSelectorTerm.fromAlias(AmiAlias.of(AmiFamily.AL2023, 'v20251117'))]`: with `@latest`
   * every EKS AMI release drifts and replaces every node of the class.
   *
   * @default - `al2023@latest` (the newest EKS-optimized Amazon Linux 2023 AMI), with an
   *   informational annotation that says how to pin it
   */
  readonly amiSelectorTerms?: AmiSelectorTerm[];

  /**
   * The AMI family: decides the user-data format and the root device. Required when no term
   * is an alias; with an alias it may only be the alias' family or `AmiFamily.CUSTOM`.
   *
   * @default - inferred from the alias term
   */
  readonly amiFamily?: AmiFamily;

  /**
   * Which subnets nodes launch into.
   *
   * @default - subnets tagged `karpenter.sh/discovery: <cluster name>`
   */
  readonly subnetSelectorTerms?: SubnetSelectorTerm[];

  /**
   * Which security groups nodes get.
   *
   * @default - security groups tagged `karpenter.sh/discovery: <cluster name>`
   */
  readonly securityGroupSelectorTerms?: SecurityGroupSelectorTerm[];

  /**
   * The root volume: always gp3 and always encrypted.
   *
   * @default - 20 GiB (50 GiB for Windows), gp3, encrypted with the default EBS key, deleted
   *   with the instance
   */
  readonly rootVolume?: NodeRootVolumeOptions;

  /**
   * Whether nodes get a public IP address.
   *
   * @default false - written out, so the subnet's `MapPublicIpOnLaunch` setting does not decide
   */
  readonly associatePublicIpAddress?: boolean;

  /**
   * Tags for the instances, volumes and launch templates Karpenter creates. Karpenter's own tag
   * keys (`karpenter.sh/nodepool`, `kubernetes.io/cluster/*`, ...) are refused.
   *
   * @default - only the tags Karpenter adds itself
   */
  readonly tags?: { [key: string]: string };

  /**
   * Whether the Instance Metadata Service is on. Turning it off is allowed as an explicit choice,
   * but node components (the AL2023 bootstrap, the VPC CNI, kubelet's credential provider) read
   * instance metadata; the EKS Best Practices Guide advises hop limit 1 instead.
   *
   * @default MetadataHttpEndpoint.ENABLED
   */
  readonly httpEndpoint?: MetadataHttpEndpoint;

  /**
   * The IMDS PUT response hop limit. Only 1 is accepted: a pod's network namespace is one hop
   * further from IMDS than the node, so at 1 the token response never reaches a pod. The prop
   * exists so the value can be written out explicitly; any other value is refused.
   *
   * @default 1
   */
  readonly httpPutResponseHopLimit?: number;

  /**
   * Whether IMDS requests need a token. Only `REQUIRED` is accepted: token-less IMDSv1 GETs are
   * not hop-limited, so `OPTIONAL` would let any pod read the node role's credentials.
   *
   * @default MetadataHttpTokens.REQUIRED
   */
  readonly httpTokens?: MetadataHttpTokens;
}

/**
 * Props for a `HardenedEc2NodeClass`.
 */
export interface HardenedEc2NodeClassProps extends HardenedEc2NodeClassOptions {
  /** The cluster the node class is applied to (with `cluster.addManifest()`). */
  readonly cluster: eks.ICluster;

  /**
   * The IAM role of the nodes (`spec.role`); Karpenter creates the instance profile. The role
   * needs an `EC2_LINUX` (or `EC2_WINDOWS`) access entry on the cluster.
   */
  readonly nodeRole: iam.IRole;
}

/**
 * A Karpenter `karpenter.k8s.aws/v1` `EC2NodeClass` whose nodes keep pods away from the node
 * role: `metadataOptions` is always written out in full (`httpEndpoint: enabled`,
 * `httpProtocolIPv6: disabled`, `httpPutResponseHopLimit: 1`, `httpTokens: required`), because
 * Karpenter falls back to hop limit 2 when it is absent at runtime. Hop limits above 1 and
 * optional tokens are refused. The root volume is always encrypted and nodes get no public IP
 * unless asked.
 *
 * Rendered with the cdk8s types generated from the Karpenter v1.14 CRDs and applied with
 * `cluster.addManifest()`. The Karpenter CRDs must be installed before it is applied (the
 * `Karpenter` construct's `addEc2NodeClass()` takes care of that ordering).
 */
export class HardenedEc2NodeClass extends Construct implements IEc2NodeClassRef {
  /**
   * Whether `x` is a `HardenedEc2NodeClass` (works across copies of this library).
   *
   * @param x any value
   */
  public static isHardenedEc2NodeClass(x: any): x is HardenedEc2NodeClass {
    return x !== null && typeof x === 'object' && HARDENED_EC2_NODE_CLASS in x;
  }

  /** The name of the `EC2NodeClass`. */
  public readonly nodeClassName: string;

  /** The cluster the node class is applied to. */
  public readonly cluster: eks.ICluster;

  /** The AMI family of the nodes (given, or inferred from the alias). */
  public readonly amiFamily: AmiFamily;

  /** The manifest that applies the `EC2NodeClass`. */
  public readonly manifest: eks.KubernetesManifest;

  constructor(scope: Construct, id: string, props: HardenedEc2NodeClassProps) {
    super(scope, id);
    Object.defineProperty(this, HARDENED_EC2_NODE_CLASS, { value: true });

    this.nodeClassName = props.name ?? objectNameFromId(id);
    checkName('name', this.nodeClassName, this);
    this.cluster = props.cluster;

    const metadataOptions = this.metadataOptions(props);
    const amiTerms = props.amiSelectorTerms ?? [AmiSelectorTerm.fromAlias(AmiAlias.latest(AmiFamily.AL2023))];
    this.amiFamily = this.checkAmi(amiTerms, props.amiFamily, props.amiSelectorTerms === undefined);
    const discovery = { 'karpenter.sh/discovery': props.cluster.clusterName };
    const subnetTerms = props.subnetSelectorTerms ?? [SubnetSelectorTerm.fromTags(discovery)];
    const securityGroupTerms = props.securityGroupSelectorTerms ?? [SecurityGroupSelectorTerm.fromTags(discovery)];
    checkTermCount(this, 'subnetSelectorTerms', subnetTerms.length);
    checkTermCount(this, 'securityGroupSelectorTerms', securityGroupTerms.length);

    const spec: k8s.Ec2NodeClassSpec = {
      amiFamily: props.amiFamily ? props.amiFamily.name as k8s.Ec2NodeClassSpecAmiFamily : undefined,
      amiSelectorTerms: amiTerms.map((t) => t._render()),
      associatePublicIpAddress: props.associatePublicIpAddress ?? false,
      blockDeviceMappings: this.blockDeviceMappings(props.rootVolume ?? {}),
      metadataOptions,
      role: props.nodeRole.roleName,
      securityGroupSelectorTerms: securityGroupTerms.map((t) => t._render()),
      subnetSelectorTerms: subnetTerms.map((t) => t._render()),
      tags: this.checkTags(props.tags),
    };

    this.manifest = applyKarpenterObject(this, props.cluster,
      { kind: 'EC2NodeClass', name: this.nodeClassName, construct: 'HardenedEc2NodeClass', duplicateCode: 'DuplicateEc2NodeClass' },
      k8s.Ec2NodeClass.manifest({ metadata: { name: this.nodeClassName }, spec }));
  }

  private metadataOptions(props: HardenedEc2NodeClassOptions): k8s.Ec2NodeClassSpecMetadataOptions {
    const hop = props.httpPutResponseHopLimit;
    if (hop !== undefined && !Token.isUnresolved(hop) && (!Number.isInteger(hop) || hop < 1 || hop > 64)) {
      throw new HardenedEksError('InvalidHopLimit', this,
        `httpPutResponseHopLimit is ${hop}; a hop limit is a whole number from 1 to 64 (EC2 and the EC2NodeClass CRD refuse anything else), ` +
        'and only 1 keeps pods away from the node role. Leave it unset: it is 1.');
    }
    if (hop !== undefined && (Token.isUnresolved(hop) || hop !== 1)) {
      const shown = Token.isUnresolved(hop) ? 'a deploy-time value' : String(hop);
      const why = Token.isUnresolved(hop) || !Number.isInteger(hop) || hop < 1 || hop > 64
        ? 'only the literal 1 is accepted (EC2 allows integers 1..64, and any value above 1 reaches pods)'
        : `a limit of ${hop} lets the IMDSv2 token response cross the extra hop into a pod's network namespace, so every pod on the node can read the node role's credentials`;
      throw new HardenedEksError('HopLimitAboveOne', this,
        `httpPutResponseHopLimit is ${shown}; ${why}. Leave it unset (1). Give workloads AWS credentials with EKS Pod Identity or IRSA and ` +
        'set AWS_REGION (and the VPC id for the load balancer controller) instead of reading IMDS. ' + escapeHatch('HopLimitAboveOne'));
    }
    if (props.httpTokens !== undefined && props.httpTokens !== MetadataHttpTokens.REQUIRED) {
      throw new HardenedEksError('ImdsV1Allowed', this,
        `httpTokens is ${JSON.stringify(props.httpTokens)}; token-less IMDSv1 GETs are not hop-limited, so any pod could read the node role's ` +
        'credentials. Leave it unset (MetadataHttpTokens.REQUIRED) and update clients that still use IMDSv1 (any current AWS SDK uses IMDSv2). ' +
        escapeHatch('ImdsV1Allowed'));
    }
    const endpoint = props.httpEndpoint ?? MetadataHttpEndpoint.ENABLED;
    if (endpoint !== MetadataHttpEndpoint.ENABLED && endpoint !== MetadataHttpEndpoint.DISABLED) {
      throw new HardenedEksError('InvalidHttpEndpoint', this, `httpEndpoint is ${JSON.stringify(endpoint)}; use MetadataHttpEndpoint.ENABLED or DISABLED.`);
    }
    if (endpoint === MetadataHttpEndpoint.DISABLED) {
      Annotations.of(this).addWarningV2('cdk-hardened-eks:Ec2NodeClass.imdsDisabled',
        `IMDS is disabled on the nodes of EC2NodeClass '${this.nodeClassName}'. Node components read instance metadata at boot ` +
        '(the AL2023 bootstrap, the VPC CNI); hop limit 1 with tokens required already keeps pods out. Make sure your AMI and add-ons work without it.');
    }
    return {
      httpEndpoint: endpoint === MetadataHttpEndpoint.ENABLED
        ? k8s.Ec2NodeClassSpecMetadataOptionsHttpEndpoint.ENABLED : k8s.Ec2NodeClassSpecMetadataOptionsHttpEndpoint.DISABLED,
      httpProtocolIPv6: k8s.Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6.DISABLED,
      httpPutResponseHopLimit: 1,
      httpTokens: k8s.Ec2NodeClassSpecMetadataOptionsHttpTokens.REQUIRED,
    };
  }

  private checkAmi(terms: AmiSelectorTerm[], family: AmiFamily | undefined, defaulted: boolean): AmiFamily {
    if (terms.length === 0 || terms.length > 30) {
      throw new HardenedEksError('InvalidAmiSelectorTerms', this,
        `amiSelectorTerms has ${terms.length} terms; give between 1 and 30 (or leave it unset for al2023@latest).`);
    }
    const aliases = terms.filter((t) => t.alias !== undefined);
    if (aliases.length > 0 && terms.length > 1) {
      throw new HardenedEksError('InvalidAmiSelectorTerms', this,
        `amiSelectorTerms has an alias term (${aliases[0].alias!.value}) and ${terms.length - 1} other term(s); an alias must be the only term. ` +
        'Use one alias, or select AMIs by id, name, tags or SSM parameter with amiFamily.');
    }
    const alias = aliases[0]?.alias;
    if (!alias) {
      if (!family) {
        throw new HardenedEksError('MissingAmiFamily', this,
          'amiSelectorTerms has no alias term, so Karpenter cannot infer the AMI family; set amiFamily (e.g. AmiFamily.AL2023, or AmiFamily.CUSTOM ' +
          'for an AMI that needs no Karpenter user data).');
      }
      return family;
    }
    if (family && family !== alias.family && family !== AmiFamily.CUSTOM) {
      throw new HardenedEksError('InvalidAmiFamily', this,
        `amiFamily is ${family.name} but the alias is ${alias.value}; with an alias, amiFamily may only be ${alias.family.name} or Custom. Leave it unset to infer it.`);
    }
    if (alias.isLatest) {
      const how = `AmiSelectorTerm.fromAlias(AmiAlias.of(AmiFamily.${constantName(alias.family)}, 'vYYYYMMDD'))`;
      Annotations.of(this).addWarningV2('cdk-hardened-eks:Ec2NodeClass.amiLatest', defaulted
        ? `EC2NodeClass '${this.nodeClassName}' uses the default AMI alias ${alias.value}: every EKS AMI release drifts and replaces its nodes. ` +
          `Pin a release in production with amiSelectorTerms: [${how}].`
        : `EC2NodeClass '${this.nodeClassName}' follows ${alias.value}: every AMI release drifts and replaces its nodes.` +
          (alias.family.latestOnly ? '' : ` Pin a release in production with ${how}.`));
    }
    return family ?? alias.family;
  }

  private blockDeviceMappings(root: NodeRootVolumeOptions): k8s.Ec2NodeClassSpecBlockDeviceMappings[] {
    const windows = this.amiFamily.aliasFamily.startsWith('windows');
    const size = root.size ?? Size.gibibytes(windows ? 50 : 20);
    let gib: number;
    try {
      gib = size.toGibibytes({ rounding: SizeRoundingBehavior.FAIL });
    } catch {
      gib = NaN;
    }
    if (!Number.isInteger(gib) || gib < 1 || gib > MAX_VOLUME_GIB) {
      throw new HardenedEksError('InvalidRootVolumeSize', this,
        `rootVolume.size is ${showSize(size)}; give a whole number of GiB between 1 and ${MAX_VOLUME_GIB}, e.g. Size.gibibytes(20).`);
    }
    const ebs = (volumeSize: string): k8s.Ec2NodeClassSpecBlockDeviceMappingsEbs => ({
      deleteOnTermination: true,
      encrypted: true,
      kmsKeyId: root.kmsKey?.keyArn,
      volumeSize,
      volumeType: k8s.Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType.GP3,
    });
    if (this.amiFamily === AmiFamily.BOTTLEROCKET) {
      // Bottlerocket keeps its OS on /dev/xvda and kubelet, containerd and images on /dev/xvdb.
      return [
        { deviceName: '/dev/xvda', ebs: ebs('4Gi') },
        { deviceName: '/dev/xvdb', ebs: ebs(`${gib}Gi`), rootVolume: true },
      ];
    }
    return [{ deviceName: windows ? '/dev/sda1' : '/dev/xvda', ebs: ebs(`${gib}Gi`), rootVolume: true }];
  }

  private checkTags(tags: { [key: string]: string } | undefined): { [key: string]: string } | undefined {
    if (tags === undefined) {
      return undefined;
    }
    for (const [key, value] of Object.entries(tags)) {
      if (key === '' || Token.isUnresolved(key)) {
        throw new HardenedEksError('InvalidTags', this, `tags has the key ${JSON.stringify(key)}; tag keys must be non-empty literals.`);
      }
      if (RESTRICTED_TAGS.includes(key) || key.startsWith('kubernetes.io/cluster')) {
        throw new HardenedEksError('InvalidTags', this,
          `tags has the key '${key}', which Karpenter sets itself (the EC2NodeClass CRD refuses ${RESTRICTED_TAGS.join(', ')} and kubernetes.io/cluster/*). Remove it.`);
      }
      if (typeof value !== 'string') {
        throw new HardenedEksError('InvalidTags', this, `tags['${key}'] is ${JSON.stringify(value)}; tag values are strings.`);
      }
    }
    return { ...tags };
  }
}

function checkName(prop: string, name: string, scope: Construct | undefined): void {
  if (Token.isUnresolved(name) || typeof name !== 'string' || !isValidObjectName(name)) {
    throw new HardenedEksError('InvalidEc2NodeClassName', scope,
      `${prop} is ${Token.isUnresolved(name) ? 'a deploy-time value' : JSON.stringify(name)}; an EC2NodeClass name must be a literal DNS-1123 label: ` +
      'lower case letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters (e.g. \'default\').');
  }
}

function checkTermCount(scope: Construct, prop: string, count: number): void {
  if (count === 0 || count > 30) {
    throw new HardenedEksError('InvalidSelectorTerms', scope, `${prop} has ${count} terms; give between 1 and 30 (or leave it unset for the karpenter.sh/discovery tag).`);
  }
}

function constantName(family: AmiFamily): string {
  return family.name.toUpperCase();
}

function escapeHatch(ruleId: string): string {
  return 'If a workload truly needs it, apply that EC2NodeClass yourself with cluster.addManifest(), point NodePools at it with ' +
    `Ec2NodeClassRef.fromExternalName(), and record the reason with ImdsAcknowledgements.add(manifest, [{ ruleId: '${ruleId}', reason }]) ` +
    'so the IMDS checker reports it as acknowledged instead of failing synth.';
}
