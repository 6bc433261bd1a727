// Shared by the identity tests: cheap imported clusters and readers for what the identity
// constructs write into templates.
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { cfnJson } from './cfn-strings';

export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';
export const ISSUER = 'oidc.eks.us-east-1.amazonaws.com/id/ABCDEF0123456789';
export const OIDC_PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}`;

/**
 * An existing cluster reached through its kubectl provider (no Lambda, no VPC: cheap), with the
 * OIDC provider unless `oidc` is false.
 */
export function importedCluster(stack: Stack, options: { clusterName?: string; oidc?: boolean | string; id?: string } = {}): eks.ICluster {
  const id = options.id ?? 'C';
  const oidc = options.oidc ?? true;
  return eks.Cluster.fromClusterAttributes(stack, id, {
    clusterName: options.clusterName ?? 'c',
    clusterEndpoint: 'https://x',
    openIdConnectProvider: oidc === false ? undefined
      : iam.OidcProviderNative.fromOidcProviderArn(stack, `${id}Oidc`, typeof oidc === 'string' ? oidc : OIDC_PROVIDER_ARN),
    kubectlProvider: eks.KubectlProvider.fromKubectlProviderAttributes(stack, `${id}Kubectl`, {
      serviceToken: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:k`,
    }),
  });
}

/** The logical id of an L1, or of the L1 an L2 (or a custom resource) wraps, following default children. */
export function logicalId(stack: Stack, construct: IConstruct): string {
  let element: IConstruct | undefined = construct;
  while (element && !CfnElement.isCfnElement(element)) {
    element = element.node.defaultChild;
  }
  if (!element) {
    throw new Error(`${construct.node.path} wraps no CloudFormation element`);
  }
  return stack.resolve((element as CfnElement).logicalId);
}

/** A Kubernetes object of a `Custom::AWSCDK-EKS-KubernetesResource`, with its resource. */
export interface ManifestObject {
  readonly id: string;
  readonly resource: any;
  readonly object: any;
}

/** Every Kubernetes object of a kind in the template's manifests (role ARNs read as `<Role.Arn>`). */
export function objectsOfKind(template: Template, kind: string): ManifestObject[] {
  return Object.entries<any>(template.findResources('Custom::AWSCDK-EKS-KubernetesResource'))
    .flatMap(([id, resource]) => (cfnJson(resource.Properties.Manifest) as any[]).map((object) => ({ id, resource, object })))
    .filter(({ object }) => object.kind === kind);
}

/** The one object of a kind with that name (and namespace). */
export function objectNamed(template: Template, kind: string, name: string, namespace?: string): ManifestObject {
  const found = objectsOfKind(template, kind).filter(({ object }) =>
    object.metadata.name === name && (namespace === undefined || object.metadata.namespace === namespace));
  expect(found).toHaveLength(1);
  return found[0];
}

/** The statements of every `AWS::IAM::Policy` attached to a role (by logical id). */
export function statementsOfRole(template: Template, roleId: string): any[] {
  return Object.values<any>(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

/** The trust statements of a role (by logical id). */
export function trustOf(template: Template, roleId: string): any[] {
  return template.toJSON().Resources[roleId].Properties.AssumeRolePolicyDocument.Statement;
}

/** Labels of a manifest object without the prune label aws-eks-v2 adds. */
export function userLabels(object: any): Record<string, string> | undefined {
  const labels = Object.fromEntries(Object.entries<string>(object.metadata.labels ?? {}).filter(([k]) => !k.startsWith('aws.cdk.eks/prune-')));
  return Object.keys(labels).length > 0 ? labels : undefined;
}

/**
 * The one trust statement this library writes for a Pod Identity role (PodIdentity, Karpenter's
 * controller, the VPC CNI): `pods.eks.amazonaws.com` may assume it and tag the session only for
 * this account, this cluster (by logical id) and this namespace / service account.
 */
export function podIdentityTrustStatement(clusterLogicalId: string, namespace: string, serviceAccount: string): object {
  return {
    Effect: 'Allow',
    Principal: { Service: 'pods.eks.amazonaws.com' },
    Action: ['sts:AssumeRole', 'sts:TagSession'],
    Condition: {
      StringEquals: {
        'aws:SourceAccount': { Ref: 'AWS::AccountId' },
        'aws:RequestTag/eks-cluster-arn': { 'Fn::GetAtt': [clusterLogicalId, 'Arn'] },
        'aws:RequestTag/kubernetes-namespace': namespace,
        'aws:RequestTag/kubernetes-service-account': serviceAccount,
      },
    },
  };
}
