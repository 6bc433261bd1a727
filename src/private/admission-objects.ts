import { RuleCatalogue, RuleId } from '../checks/rules';
import { AdmissionAction } from '../guardrails/admission-action';

/** The policy names, stable: they appear in the API server's rejection messages. */
const NODE_CLASS_POLICY = 'cdk-hardened-eks-ec2nodeclass-imds';
const HOST_NETWORK_POLICY = 'cdk-hardened-eks-host-network-pods';

/**
 * The CEL of the node class policy, on the object as the API server sees it after CRD defaulting
 * (the v1 CRD defaults `metadataOptions` and each of its fields): the hop limit is present and at
 * most 1 and `httpTokens` is present and `required`, unless `httpEndpoint` is `disabled` (no
 * metadata at all). A field left absent after defaulting (a version that does not default it) is a
 * rejection: unknown is not a pass.
 */
export const NODE_CLASS_EXPRESSIONS = {
  hopLimit:
    '(has(object.spec.metadataOptions) && has(object.spec.metadataOptions.httpEndpoint) && ' +
    'object.spec.metadataOptions.httpEndpoint == "disabled") || ' +
    '(has(object.spec.metadataOptions) && has(object.spec.metadataOptions.httpPutResponseHopLimit) && ' +
    'object.spec.metadataOptions.httpPutResponseHopLimit <= 1)',
  tokens:
    '(has(object.spec.metadataOptions) && has(object.spec.metadataOptions.httpEndpoint) && ' +
    'object.spec.metadataOptions.httpEndpoint == "disabled") || ' +
    '(has(object.spec.metadataOptions) && has(object.spec.metadataOptions.httpTokens) && ' +
    'object.spec.metadataOptions.httpTokens == "required")',
};

/** The CEL of the host network policy: the pod is not on the host network. */
export const HOST_NETWORK_EXPRESSION = '!has(object.spec.hostNetwork) || object.spec.hostNetwork == false';

/**
 * The policy and binding objects (also what `cdk-hardened-eks guardrails` would print).
 *
 * @param action `Deny` or `WarnAndAudit`
 * @param hostNetworkNamespaces namespaces whose pods may use the host network
 */
export function imdsAdmissionObjects(action: string, hostNetworkNamespaces: string[]): Array<{ [key: string]: any }> {
  const validationActions = action === AdmissionAction.DENY ? ['Deny'] : ['Warn', 'Audit'];
  const text = (ruleId: string) => {
    const rule = RuleCatalogue.get(ruleId);
    return `[${rule.id}] ${rule.summary} Fix: ${rule.fix}`;
  };
  const policy = (name: string, resourceRules: object[], validations: object[]) => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'cdk-hardened-eks' } },
    spec: { failurePolicy: 'Fail', matchConstraints: { resourceRules }, validations },
  });
  const binding = (name: string, matchResources?: object) => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'cdk-hardened-eks' } },
    spec: { policyName: name, validationActions, ...(matchResources ? { matchResources } : {}) },
  });
  return [
    policy(NODE_CLASS_POLICY,
      [{ apiGroups: ['karpenter.k8s.aws'], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: ['ec2nodeclasses'] }],
      [
        { expression: NODE_CLASS_EXPRESSIONS.hopLimit, message: text(RuleId.HOP_LIMIT_ABOVE_ONE), reason: 'Invalid' },
        { expression: NODE_CLASS_EXPRESSIONS.tokens, message: text(RuleId.IMDS_V1_ALLOWED), reason: 'Invalid' },
      ]),
    binding(NODE_CLASS_POLICY),
    policy(HOST_NETWORK_POLICY,
      [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
      [{ expression: HOST_NETWORK_EXPRESSION, message: text(RuleId.HOST_NETWORK_POD), reason: 'Forbidden' }]),
    binding(HOST_NETWORK_POLICY, {
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: hostNetworkNamespaces }] },
    }),
  ];
}
