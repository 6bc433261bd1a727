/**
 * A service control policy with the instance-metadata denies of the Karpenter controller's
 * MetadataGuardrails, for a whole organization: no `RunInstances` of an instance with a hop limit
 * above 1 or `HttpTokens: optional`, and no `ModifyInstanceMetadataOptions` that raises the hop
 * limit above 1 or allows IMDSv1. The operators are false when a key is absent, so requests that
 * carry no metadata keys (dry runs, launches that leave them to the AMI and account defaults) are
 * not denied by it: pair it with the account defaults (`ImdsAccountDefaults`).
 */
export function imdsServiceControlPolicy(): any {
  const instances = 'arn:*:ec2:*:*:instance/*';
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInstancesWithHopLimitAboveOne',
        Effect: 'Deny',
        Action: ['ec2:RunInstances', 'ec2:ModifyInstanceMetadataOptions'],
        Resource: instances,
        Condition: { NumericGreaterThan: { 'ec2:MetadataHttpPutResponseHopLimit': '1' } },
      },
      {
        Sid: 'DenyInstancesWithImdsV1',
        Effect: 'Deny',
        Action: ['ec2:RunInstances', 'ec2:ModifyInstanceMetadataOptions'],
        Resource: instances,
        Condition: { StringEquals: { 'ec2:MetadataHttpTokens': 'optional' } },
      },
    ],
  };
}
