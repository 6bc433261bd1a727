import { Stack } from 'aws-cdk-lib';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeAwsSolutions } from '../private/nag';

/**
 * Properties of `ImdsAccountDefaults`.
 */
export interface ImdsAccountDefaultsProps {
  /**
   * Whether to restore "no preference" when the construct is deleted (the account's defaults as
   * they were before any were set).
   *
   * @default true
   */
  readonly restoreOnDelete?: boolean;
}

/**
 * The account's instance metadata defaults in the stack's region (`ModifyInstanceMetadataDefaults`):
 * tokens required (IMDSv2 only) and a PUT response hop limit of 1, set with aws-cdk-lib's
 * `AwsCustomResource` (there is no CloudFormation resource for them,
 * cloudformation-coverage-roadmap #2574), "no preference" restored on delete.
 *
 * Opt-in, and a default only: it applies where a launch, launch template or AMI leaves the value
 * out, never over an explicit one, and an organization's declarative policy for EC2, where one is
 * attached, takes precedence over it. One per account and region: two stacks setting it would
 * fight over the same setting.
 */
export class ImdsAccountDefaults extends Construct {
  /** The custom resource that sets the defaults. */
  public readonly resource: cr.AwsCustomResource;

  constructor(scope: Construct, id: string, props: ImdsAccountDefaultsProps = {}) {
    super(scope, id);
    const region = Stack.of(this).region;
    const set: cr.AwsSdkCall = {
      service: 'EC2',
      action: 'modifyInstanceMetadataDefaults',
      parameters: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
      physicalResourceId: cr.PhysicalResourceId.of(`instance-metadata-defaults-${region}`),
    };
    this.resource = new cr.AwsCustomResource(this, 'Defaults', {
      onCreate: set,
      onUpdate: set,
      ...((props.restoreOnDelete ?? true) ? {
        onDelete: {
          service: 'EC2',
          action: 'modifyInstanceMetadataDefaults',
          // -1 is the API's "no preference" for the hop limit.
          parameters: { HttpTokens: 'no-preference', HttpPutResponseHopLimit: -1 },
        },
      } : {}),
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
      installLatestAwsSdk: false,
    });
    acknowledgeAwsSolutions(this.resource, 'AwsSolutions-IAM5[Resource::*]',
      'ec2:ModifyInstanceMetadataDefaults is an account-level setting with no resource-level permissions.');
  }
}
