import { kubernetesObjectsIn, toJsonSchema, validateKarpenterObject, withCrdDefaults } from './crd-validator';

/** A valid EC2NodeClass, written by hand from the Karpenter docs (not by the library). */
function nodeClass(spec: Record<string, unknown> = {}): any {
  return {
    apiVersion: 'karpenter.k8s.aws/v1',
    kind: 'EC2NodeClass',
    metadata: { name: 'default' },
    spec: {
      role: 'KarpenterNodeRole-c',
      amiSelectorTerms: [{ alias: 'al2023@v20251117' }],
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'c' } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'c' } }],
      metadataOptions: { httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 1, httpTokens: 'required' },
      ...spec,
    },
  };
}

/** A valid NodePool, written by hand from the Karpenter docs. */
function nodePool(requirements?: unknown[], spec: Record<string, unknown> = {}): any {
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: 'default' },
    spec: {
      template: {
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
          requirements: requirements ?? [
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
            { key: 'karpenter.k8s.aws/instance-generation', operator: 'Gt', values: ['5'] },
          ],
        },
      },
      limits: { cpu: 1000, memory: '1000Gi' },
      ...spec,
    },
  };
}

function messages(object: unknown): string[] {
  return validateKarpenterObject(object).map((v) => `${v.path}: ${v.message}`);
}

describe('accepts valid objects', () => {
  test('an EC2NodeClass with an alias and discovery tags', () => {
    expect(messages(nodeClass())).toEqual([]);
  });

  test('an EC2NodeClass without metadataOptions (the CRD defaults them)', () => {
    const o = nodeClass();
    delete o.spec.metadataOptions;
    expect(messages(o)).toEqual([]);
  });

  test('a NodePool with requirements and limits', () => {
    expect(messages(nodePool())).toEqual([]);
  });

  test('skips transition rules (oldSelf): nodeClassRef immutability only applies on update', () => {
    expect(messages(nodePool()).filter((m) => /immutable/.test(m))).toEqual([]);
  });
});

describe('applies the CRD defaults before the rules', () => {
  test('EC2NodeClass metadataOptions default to enabled / disabled / 1 / required', () => {
    const o = nodeClass();
    delete o.spec.metadataOptions;
    expect(withCrdDefaults(o).spec.metadataOptions).toEqual({
      httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 1, httpTokens: 'required',
    });
  });

  test('a partial metadataOptions gets each missing field defaulted', () => {
    expect(withCrdDefaults(nodeClass({ metadataOptions: { httpTokens: 'required' } })).spec.metadataOptions.httpPutResponseHopLimit).toBe(1);
  });

  test('NodePool disruption and expireAfter defaults, recursively', () => {
    const d = withCrdDefaults(nodePool());
    expect(d.spec.disruption).toEqual({ consolidateAfter: '0s', consolidationPolicy: 'WhenEmptyOrUnderutilized', budgets: [{ nodes: '10%' }] });
    expect(d.spec.template.spec.expireAfter).toBe('720h');
  });

  test('does not change the object it is given', () => {
    const o = nodePool();
    withCrdDefaults(o);
    expect(o.spec.disruption).toBeUndefined();
  });
});

describe('catches schema violations (ajv)', () => {
  test('a hop limit of 65', () => {
    expect(messages(nodeClass({ metadataOptions: { httpPutResponseHopLimit: 65 } }))).toEqual([
      'spec.metadataOptions.httpPutResponseHopLimit: must be <= 64',
    ]);
  });

  test('a hop limit given as a string', () => {
    expect(messages(nodeClass({ metadataOptions: { httpPutResponseHopLimit: '1' } }))).toEqual([
      'spec.metadataOptions.httpPutResponseHopLimit: must be integer',
    ]);
  });

  test('httpTokens outside its enum', () => {
    expect(messages(nodeClass({ metadataOptions: { httpTokens: 'Required' } }))).toEqual([
      'spec.metadataOptions.httpTokens: must be equal to one of the allowed values: ["required","optional"]',
    ]);
  });

  test('a NodePool requirement with an invalid operator', () => {
    expect(messages(nodePool([{ key: 'kubernetes.io/arch', operator: 'Equals', values: ['amd64'] }]))).toContain(
      'spec.template.spec.requirements[0].operator: must be equal to one of the allowed values: ' +
      '["Gte","Lte","In","NotIn","Exists","DoesNotExist","Gt","Lt"]',
    );
  });

  test('an unknown field, e.g. the cdk8s property name instead of the Kubernetes one', () => {
    expect(messages(nodeClass({ associatePublicIpAddress: false }))).toEqual(['spec: must NOT have additional properties: unknown field "associatePublicIpAddress"']);
  });

  test('a missing required field', () => {
    const o = nodeClass();
    delete o.spec.subnetSelectorTerms;
    expect(messages(o)).toEqual(["spec: must have required property 'subnetSelectorTerms'"]);
  });

  test('a volume size outside the CRD pattern', () => {
    const o = nodeClass({ blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: '20GiB' } }] });
    expect(messages(o)).toEqual([expect.stringMatching(/^spec\.blockDeviceMappings\[0\]\.ebs\.volumeSize: must match pattern/)]);
  });

  test('a metadata.name that is not a DNS-1123 subdomain', () => {
    const o = nodeClass();
    o.metadata.name = 'Default_Class';
    expect(messages(o)).toEqual([expect.stringMatching(/^metadata\.name: "Default_Class" is not a DNS-1123 subdomain/)]);
  });
});

describe('catches CEL rule violations (x-kubernetes-validations)', () => {
  test('an amiSelectorTerm with both alias and tags', () => {
    expect(messages(nodeClass({ amiSelectorTerms: [{ alias: 'al2023@latest', tags: { team: 'a' } }] }))).toEqual([
      "spec.amiSelectorTerms: 'alias' is mutually exclusive, cannot be set with a combination of other fields in amiSelectorTerms",
    ]);
  });

  test('an alias next to another term', () => {
    expect(messages(nodeClass({ amiSelectorTerms: [{ alias: 'al2023@latest' }, { id: 'ami-0123' }] }))).toEqual([
      "spec.amiSelectorTerms: 'alias' is mutually exclusive, cannot be set with a combination of other amiSelectorTerms",
    ]);
  });

  test('a pinned Windows alias (rule on the alias string itself)', () => {
    expect(messages(nodeClass({ amiSelectorTerms: [{ alias: 'windows2022@v20250101' }] }))).toEqual([
      "spec.amiSelectorTerms[0].alias: windows families may only specify version 'latest'",
    ]);
  });

  test('an unknown alias family', () => {
    expect(messages(nodeClass({ amiSelectorTerms: [{ alias: 'ubuntu@latest' }] }))).toEqual([
      "spec.amiSelectorTerms[0].alias: family is not supported, must be one of the following: 'al2', 'al2023', 'bottlerocket', 'windows2019', 'windows2022', 'windows2025'",
    ]);
  });

  test('an AMI id term without amiFamily', () => {
    expect(messages(nodeClass({ amiSelectorTerms: [{ id: 'ami-0123abcd' }] }))).toEqual([
      'spec: must specify amiFamily if amiSelectorTerms does not contain an alias',
    ]);
  });

  test('amiFamily that contradicts the alias', () => {
    expect(messages(nodeClass({ amiFamily: 'Bottlerocket' }))).toEqual([
      "spec: if set, amiFamily must be 'AL2023' or 'Custom' when using an AL2023 alias",
    ]);
  });

  test('both role and instanceProfile', () => {
    expect(messages(nodeClass({ instanceProfile: 'p' }))).toEqual(["spec: must specify exactly one of ['role', 'instanceProfile']"]);
  });

  test('a restricted tag and an empty selector tag value (map rules iterate keys)', () => {
    expect(messages(nodeClass({
      tags: { 'kubernetes.io/cluster/c': 'owned' },
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': '' } }],
    }))).toEqual([
      "spec.subnetSelectorTerms[0].tags: empty tag keys or values aren't supported",
      'spec.tags: tag contains a restricted tag matching kubernetes.io/cluster/',
    ]);
  });

  test('an empty securityGroupSelectorTerms list (upstream `!self.all(...)` rules also fail on an empty list, as on the API server)', () => {
    expect(messages(nodeClass({ securityGroupSelectorTerms: [] }))).toEqual([
      'spec.securityGroupSelectorTerms: securityGroupSelectorTerms cannot be empty',
      "spec.securityGroupSelectorTerms: 'id' is mutually exclusive, cannot be set with a combination of other fields in a security group selector term",
      "spec.securityGroupSelectorTerms: 'name' is mutually exclusive, cannot be set with a combination of other fields in a security group selector term",
    ]);
  });

  test("a Gt requirement whose value is not an integer: the rule's runtime error is a violation", () => {
    const [v, ...rest] = validateKarpenterObject(nodePool([{ key: 'karpenter.k8s.aws/instance-generation', operator: 'Gt', values: ['five'] }]));
    expect(rest).toEqual([]);
    expect(v.path).toBe('spec.template.spec.requirements');
    expect(v.message).toMatch(/^requirements operator 'Gt', 'Lt', 'Gte', or 'Lte' must have a single positive integer value \(the rule could not be evaluated/);
  });

  test('a Gt requirement with a negative value', () => {
    expect(messages(nodePool([{ key: 'karpenter.k8s.aws/instance-generation', operator: 'Gt', values: ['-1'] }]))).toEqual([
      "spec.template.spec.requirements: requirements operator 'Gt', 'Lt', 'Gte', or 'Lte' must have a single positive integer value",
    ]);
  });

  test('minValues above the number of values (integers are CEL ints)', () => {
    expect(messages(nodePool([{ key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: ['c', 'm'], minValues: 3 }]))).toEqual([
      "spec.template.spec.requirements: requirements with 'minValues' must have at least that many values specified in the 'values' field",
    ]);
  });

  test('a restricted requirement key and a restricted label', () => {
    const o = nodePool([{ key: 'karpenter.sh/nodepool', operator: 'Exists' }]);
    o.spec.template.metadata = { labels: { 'kubernetes.io/hostname': 'x' } };
    expect(messages(o)).toEqual([
      'spec.template.metadata.labels: label "kubernetes.io/hostname" is restricted',
      'spec.template.spec.requirements[0].key: label "karpenter.sh/nodepool" is restricted',
    ]);
  });

  test('a budget schedule without a duration', () => {
    expect(messages(nodePool(undefined, { disruption: { consolidateAfter: '1m', budgets: [{ nodes: '0', schedule: '@daily' }] } }))).toEqual([
      "spec.disruption.budgets: 'schedule' must be set with 'duration'",
    ]);
  });

  test('weight on a static NodePool (rule on spec)', () => {
    expect(messages(nodePool(undefined, { replicas: 2, weight: 10, limits: { nodes: 5 } }))).toEqual([
      "spec: 'weight' is not supported on static NodePools",
    ]);
  });
});

describe('other inputs', () => {
  test('an object of a kind without a vendored CRD', () => {
    expect(messages({ apiVersion: 'karpenter.k8s.aws/v1beta1', kind: 'EC2NodeClass', metadata: { name: 'x' } })).toEqual([
      expect.stringMatching(/^: no vendored CRD serves apiVersion "karpenter.k8s.aws\/v1beta1" kind "EC2NodeClass"/),
    ]);
  });

  test('toJsonSchema drops Kubernetes extensions and closes declared objects', () => {
    expect(toJsonSchema({
      'type': 'object',
      'properties': { a: { 'type': 'string', 'x-kubernetes-validations': [{ rule: 'true' }] } },
      'x-kubernetes-validations': [{ rule: 'true' }],
    })).toEqual({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false });
    expect(toJsonSchema({ 'x-kubernetes-int-or-string': true })).toEqual({ anyOf: [{ type: 'integer' }, { type: 'string' }] });
    expect(toJsonSchema({ 'type': 'object', 'properties': {}, 'x-kubernetes-preserve-unknown-fields': true })).toEqual({ type: 'object', properties: {} });
  });

  test('kubernetesObjectsIn reads plain and Fn::Join manifests, replacing intrinsics', () => {
    const objects = kubernetesObjectsIn({
      Resources: {
        Plain: { Type: 'Custom::AWSCDK-EKS-KubernetesResource', Properties: { Manifest: JSON.stringify([nodePool()]) } },
        Joined: {
          Type: 'Custom::AWSCDK-EKS-KubernetesResource',
          Properties: { Manifest: { 'Fn::Join': ['', ['[{"kind":"EC2NodeClass","spec":{"role":"', { Ref: 'Role' }, '","n":', { Ref: 'N' }, '}}]']] } },
        },
        Other: { Type: 'AWS::SQS::Queue' },
      },
    });
    expect(objects.map((o) => o.logicalId)).toEqual(['Plain', 'Joined']);
    expect(objects[1].object).toEqual({ kind: 'EC2NodeClass', spec: { role: 'token0', n: 'token1' } });
  });
});
