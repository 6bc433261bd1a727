import {
  allowsAction, globsIntersect, hasHole, HOLE, mayAllow, principalTexts, Statement, statementsOf, Text, texts, Unreadable,
} from './iam-documents';
import { isPlainObject, show, TemplateContext } from './values';

/**
 * What the identity rules need to know across resources, built once per template: how each role
 * is trusted, which roles are node roles, and which policy resources are attached to which roles.
 */

export const ROLE_TYPE = 'AWS::IAM::Role';
export const POLICY_TYPE = 'AWS::IAM::Policy';
export const MANAGED_POLICY_TYPE = 'AWS::IAM::ManagedPolicy';
export const ROLE_POLICY_TYPE = 'AWS::IAM::RolePolicy';
/** Policy resources: judged only when attached to a Pod Identity or IRSA role. */
export const WORKLOAD_POLICY_TYPES: readonly string[] = [POLICY_TYPE, MANAGED_POLICY_TYPE, ROLE_POLICY_TYPE];
export const INSTANCE_PROFILE_TYPE = 'AWS::IAM::InstanceProfile';
export const ACCESS_ENTRY_TYPE = 'AWS::EKS::AccessEntry';
export const NODEGROUP_TYPE = 'AWS::EKS::Nodegroup';
export const POD_IDENTITY_ASSOCIATION_TYPE = 'AWS::EKS::PodIdentityAssociation';
/** OIDC providers: CloudFormation's, and aws-cdk-lib's custom resource (aws-eks and aws-eks-v2 `OpenIdConnectProvider`). */
export const OIDC_PROVIDER_TYPES: readonly string[] = ['AWS::IAM::OIDCProvider', 'Custom::AWSCDKOpenIdConnectProvider'];

export const POD_IDENTITY_SERVICE = 'pods.eks.amazonaws.com';
const EC2_SERVICES = ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'];
export const WEB_IDENTITY_ACTION = 'sts:AssumeRoleWithWebIdentity';

/** An EKS OIDC provider ARN: `arn:<partition>:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<id>`. */
const EKS_PROVIDER_ARN = /oidc-provider\/oidc\.eks\.[^/]+\.amazonaws\.com(?:\.cn)?\/id\/[^/]+$/i;
const EKS_PROVIDER_SHAPE = `arn:${HOLE}:iam::${HOLE}:oidc-provider/oidc.eks.${HOLE}.amazonaws.com${HOLE}/id/${HOLE}`;
/** What follows `oidc-provider/` in an EKS OIDC provider ARN. */
const EKS_PROVIDER_HOST_SHAPE = `oidc.eks.${HOLE}.amazonaws.com${HOLE}/id/${HOLE}`;
const PROVIDER_MARKER = 'oidc-provider/';
/** An EKS OIDC issuer URL (an `OIDCProvider`'s `Url`). */
const EKS_ISSUER = /^(?:https:\/\/)?oidc\.eks\.[^/]+\.amazonaws\.com(?:\.cn)?\/id\/[^/]+$/i;

/** A statement that lets a web identity assume the role, from a provider that is or may be an EKS OIDC provider. */
export interface WebIdentityTrust {
  readonly statement: Statement;
  /** The provider, for messages. */
  readonly provider: string;
}

/** How a role is trusted. */
export interface RoleTrust {
  /** Statements that can allow `pods.eks.amazonaws.com`. */
  readonly podIdentity: Statement[];
  /** Statements that can allow `sts:AssumeRoleWithWebIdentity` from an EKS OIDC provider (or one that may be). */
  readonly webIdentity: WebIdentityTrust[];
  /** Some statement can allow `ec2.amazonaws.com`. */
  readonly ec2: boolean;
  /** Parts of the trust policy only known at deploy time: they may trust anyone, on any condition. */
  readonly unreadable: Unreadable[];
}

/** Whether the role is a workload role: trusted by EKS Pod Identity or through IRSA. */
export function isWorkloadRole(trust: RoleTrust): boolean {
  return trust.podIdentity.length > 0 || trust.webIdentity.length > 0;
}

/** `Pod Identity role` / `IRSA role` / `Pod Identity and IRSA role`. */
export function workloadKind(trust: RoleTrust): string {
  const kinds = [trust.podIdentity.length > 0 ? 'Pod Identity' : '', trust.webIdentity.length > 0 ? 'IRSA' : ''].filter(Boolean);
  return `${kinds.join(' and ')} role`;
}

/** Evidence that a role is a node role. */
export interface NodeRoleUse {
  readonly description: string;
  /**
   * Whether this alone proves an EKS node role (a node group, an `EC2_LINUX` / `EC2_WINDOWS`
   * access entry). An instance profile is used by any EC2 instance, not only EKS nodes.
   */
  readonly eks: boolean;
}

export class IdentityIndex {
  private readonly trusts = new Map<string, RoleTrust>();
  private rolesByName?: Map<string, string>;
  private managedPoliciesByName?: Map<string, string>;
  private nodeUses?: Map<string, NodeRoleUse[]>;
  private attachments?: Map<string, string[]>;
  private associations?: Map<string, string[]>;

  constructor(private readonly ctx: TemplateContext) {}

  /** How the role with this logical id is trusted. */
  public trust(roleId: string): RoleTrust {
    let trust = this.trusts.get(roleId);
    if (!trust) {
      trust = this.analyseTrust(propertiesOf(this.ctx.resource(roleId)));
      this.trusts.set(roleId, trust);
    }
    return trust;
  }

  /** What uses the role as a node role. */
  public nodeRoleUses(roleId: string): NodeRoleUse[] {
    return this.buildNodeUses().get(roleId) ?? [];
  }

  /** The `AWS::EKS::PodIdentityAssociation` resources that give this role to a service account. */
  public podIdentityAssociations(roleId: string): string[] {
    if (!this.associations) {
      const associations = new Map<string, string[]>();
      for (const [id, r] of this.ctx.resourcesOfType(POD_IDENTITY_ASSOCIATION_TYPE)) {
        for (const t of texts(this.ctx, propertiesOf(r).RoleArn)) {
          const role = this.roleOf(t);
          if (role === undefined) continue;
          const list = associations.get(role) ?? [];
          if (!list.includes(id)) list.push(id);
          associations.set(role, list);
        }
      }
      this.associations = associations;
    }
    return this.associations.get(roleId) ?? [];
  }

  /** The roles a policy resource (`AWS::IAM::Policy`, `ManagedPolicy`, `RolePolicy`) is attached to. */
  public attachedRoles(policyId: string): string[] {
    return this.buildAttachments().get(policyId) ?? [];
  }

  /**
   * The role a value names: a `Ref` / `Fn::GetAtt` of a role in this template, or a role name or
   * role ARN matching a role's literal `RoleName`.
   */
  public roleOf(t: Text): string | undefined {
    if (t.kind === 'ref') {
      return this.ctx.resourceType(t.logicalId) === ROLE_TYPE ? t.logicalId : undefined;
    }
    if (t.kind !== 'text') {
      return undefined;
    }
    const name = lastNameSegment(t.text, ':role/');
    return name === undefined ? undefined : this.buildRolesByName().get(name);
  }

  private analyseTrust(props: Record<string, unknown>): RoleTrust {
    const podIdentity: Statement[] = [];
    const webIdentity: WebIdentityTrust[] = [];
    let ec2 = false;
    const { statements, unreadable } = statementsOf(this.ctx, props.AssumeRolePolicyDocument, 'Properties.AssumeRolePolicyDocument');
    for (const s of statements) {
      if (!mayAllow(this.ctx, s)) {
        continue;
      }
      const services = principalTexts(this.ctx, s, 'Service').texts;
      if (services.some((t) => serviceMayBe(t, [POD_IDENTITY_SERVICE]))) {
        podIdentity.push(s);
      }
      if (services.some((t) => serviceMayBe(t, EC2_SERVICES))) {
        ec2 = true;
      }
      if (allowsAction(this.ctx, s, WEB_IDENTITY_ACTION) !== 'no') {
        const provider = this.webIdentityProvider(s);
        if (provider) {
          webIdentity.push({ statement: s, provider });
        }
      }
    }
    return { podIdentity, webIdentity, ec2, unreadable };
  }

  /**
   * The provider a web-identity statement trusts, described, if it is or may be an EKS OIDC
   * provider. A principal only known at deploy time may be one: it is taken for one.
   */
  private webIdentityProvider(s: Statement): string | undefined {
    const federated = principalTexts(this.ctx, s, 'Federated');
    const eks: string[] = [];
    for (const t of federated.texts) {
      const d = this.eksProvider(t);
      if (d) eks.push(d);
    }
    for (const reason of federated.unknown) {
      eks.push(`a principal only known at deploy time (${reason}; taken for an EKS OIDC provider)`);
    }
    return eks.length > 0 ? [...new Set(eks)].join(' or ') : undefined;
  }

  private eksProvider(t: Text): string | undefined {
    switch (t.kind) {
      case 'unknown':
        return `a provider only known at deploy time (${t.reason}; taken for an EKS OIDC provider)`;
      case 'ref': {
        const type = this.ctx.resourceType(t.logicalId);
        if (type !== undefined && OIDC_PROVIDER_TYPES.includes(type)) {
          return this.providerIssuerIsEks(t.logicalId) ? `the OIDC provider ${t.logicalId} (${type})` : undefined;
        }
        return `${t.logicalId}${t.attribute ? `.${t.attribute}` : ''} (only known at deploy time, taken for an EKS OIDC provider)`;
      }
      case 'text':
        if (!hasHole(t.text)) {
          return EKS_PROVIDER_ARN.test(t.text) ? `the EKS OIDC provider ${show(t.text)}` : undefined;
        }
        return mayBeEksProviderArn(t.text)
          ? `${show(t.text.split(HOLE).join('${…}'))} (partly known at deploy time, taken for an EKS OIDC provider)`
          : undefined;
    }
  }

  /** An OIDC provider resource is an EKS one unless its `Url` is known and is not an EKS issuer. */
  private providerIssuerIsEks(providerId: string): boolean {
    const urls = texts(this.ctx, propertiesOf(this.ctx.resource(providerId)).Url);
    const known = urls.filter((u): u is Extract<Text, { kind: 'text' }> => u.kind === 'text' && !hasHole(u.text));
    return urls.length === 0 || known.length < urls.length || known.some((u) => EKS_ISSUER.test(u.text));
  }

  private buildRolesByName(): Map<string, string> {
    if (!this.rolesByName) {
      this.rolesByName = this.byLiteralName(ROLE_TYPE, 'RoleName');
    }
    return this.rolesByName;
  }

  private byLiteralName(type: string, property: string): Map<string, string> {
    const byName = new Map<string, string>();
    for (const [id, r] of this.ctx.resourcesOfType(type)) {
      const names = texts(this.ctx, propertiesOf(r)[property]);
      if (names.length === 1 && names[0].kind === 'text' && !hasHole(names[0].text)) {
        byName.set(names[0].text, id);
      }
    }
    return byName;
  }

  private buildNodeUses(): Map<string, NodeRoleUse[]> {
    if (this.nodeUses) {
      return this.nodeUses;
    }
    const uses = new Map<string, NodeRoleUse[]>();
    const add = (roles: Text[], use: NodeRoleUse) => {
      for (const t of roles) {
        const role = this.roleOf(t);
        if (role !== undefined) {
          const list = uses.get(role) ?? [];
          if (!list.some((u) => u.description === use.description)) list.push(use);
          uses.set(role, list);
        }
      }
    };
    for (const [id, r] of this.ctx.resourceEntries) {
      if (!isPlainObject(r)) continue;
      const props = propertiesOf(r);
      switch (r.Type) {
        case NODEGROUP_TYPE:
          add(texts(this.ctx, props.NodeRole), { description: `the node role of the node group ${id}`, eks: true });
          break;
        case ACCESS_ENTRY_TYPE: {
          const types = texts(this.ctx, props.Type)
            .filter((t) => t.kind === 'text' && (t.text === 'EC2_LINUX' || t.text === 'EC2_WINDOWS'))
            .map((t) => (t as { text: string }).text);
          if (types.length > 0) {
            add(texts(this.ctx, props.PrincipalArn), { description: `the principal of the ${types.join(' / ')} access entry ${id}`, eks: true });
          }
          break;
        }
        case INSTANCE_PROFILE_TYPE:
          add(texts(this.ctx, props.Roles), { description: `the role of the instance profile ${id}`, eks: false });
          break;
        default:
          break;
      }
    }
    this.nodeUses = uses;
    return uses;
  }

  private buildAttachments(): Map<string, string[]> {
    if (this.attachments) {
      return this.attachments;
    }
    const attachments = new Map<string, string[]>();
    const attach = (policyId: string, roleId: string | undefined) => {
      if (roleId === undefined) return;
      const list = attachments.get(policyId) ?? [];
      if (!list.includes(roleId)) list.push(roleId);
      attachments.set(policyId, list);
    };
    this.managedPoliciesByName ??= this.byLiteralName(MANAGED_POLICY_TYPE, 'ManagedPolicyName');
    for (const [id, r] of this.ctx.resourceEntries) {
      if (!isPlainObject(r)) continue;
      const props = propertiesOf(r);
      switch (r.Type) {
        case POLICY_TYPE:
        case MANAGED_POLICY_TYPE:
          for (const t of texts(this.ctx, props.Roles)) attach(id, this.roleOf(t));
          break;
        case ROLE_POLICY_TYPE:
          for (const t of texts(this.ctx, props.RoleName)) attach(id, this.roleOf(t));
          break;
        case ROLE_TYPE:
          for (const t of texts(this.ctx, props.ManagedPolicyArns)) {
            if (t.kind === 'ref' && this.ctx.resourceType(t.logicalId) === MANAGED_POLICY_TYPE) {
              attach(t.logicalId, id);
            } else if (t.kind === 'text') {
              const name = lastNameSegment(t.text, ':policy/');
              const policy = name === undefined ? undefined : this.managedPoliciesByName.get(name);
              if (policy !== undefined && !/:iam::aws:policy\//.test(t.text)) attach(policy, id);
            }
          }
          break;
        default:
          break;
      }
    }
    this.attachments = attachments;
    return attachments;
  }
}

const INDEXES = new WeakMap<TemplateContext, IdentityIndex>();

/** The identity index of a template, built on first use. */
export function identityIndex(ctx: TemplateContext): IdentityIndex {
  let index = INDEXES.get(ctx);
  if (!index) {
    index = new IdentityIndex(ctx);
    INDEXES.set(ctx, index);
  }
  return index;
}

/** A resource's `Properties` when they are an object, else an empty object. */
export function propertiesOf(resource: unknown): Record<string, unknown> {
  return isPlainObject(resource) && isPlainObject(resource.Properties) ? resource.Properties : {};
}

/**
 * Whether a provider ARN partly known at deploy time can be an EKS OIDC provider. What follows
 * a literal `oidc-provider/` decides (a hole before it, e.g. the account, cannot reach past it);
 * without one, any shape that can match an EKS provider ARN can be one.
 */
function mayBeEksProviderArn(text: string): boolean {
  const at = text.lastIndexOf(PROVIDER_MARKER);
  if (at < 0) {
    return globsIntersect(text, EKS_PROVIDER_SHAPE);
  }
  return globsIntersect(text.slice(at + PROVIDER_MARKER.length), EKS_PROVIDER_HOST_SHAPE);
}

/**
 * Whether a service principal is, or (partly known at deploy time) may be, one of `names`. A
 * principal wholly unknown is not taken for any service.
 */
function serviceMayBe(t: Text, names: readonly string[]): boolean {
  if (t.kind !== 'text') {
    return false;
  }
  if (!hasHole(t.text)) {
    return names.some((n) => n.toLowerCase() === t.text.toLowerCase());
  }
  return t.text.split(HOLE).join('') !== '' && names.some((n) => globsIntersect(t.text, n));
}

/** The last path segment after `marker` in an ARN (or the whole text when there is no marker), if known. */
function lastNameSegment(text: string, marker: string): string | undefined {
  const at = text.lastIndexOf(marker);
  const tail = at >= 0 ? text.slice(at + marker.length) : text;
  const name = tail.slice(tail.lastIndexOf('/') + 1);
  return name === '' || hasHole(name) || (at < 0 && /[:/]/.test(text)) ? undefined : name;
}
