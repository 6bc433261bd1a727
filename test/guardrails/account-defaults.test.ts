// ImdsAccountDefaults: the account's regional metadata defaults set to tokens required and hop 1
// through aws-cdk-lib's AwsCustomResource, "no preference" restored on delete.
process.env.CDK_VALIDATION = 'false';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ImdsAccountDefaults, ImdsAudit } from '../../src';

function synth(props?: ConstructorParameters<typeof ImdsAccountDefaults>[2]) {
  const stack = new Stack(new App(), 'Account', { env: { account: '111111111111', region: 'eu-west-1' } });
  new ImdsAccountDefaults(stack, 'ImdsDefaults', props);
  return { stack, template: Template.fromStack(stack) };
}

test('create and update set tokens required and hop limit 1; delete restores no preference', () => {
  const { stack, template } = synth();
  const resource = Object.values(template.findResources('Custom::AWS'))[0] as any;
  const call = (phase: string) => JSON.parse(stack.resolve(resource.Properties[phase]));
  for (const phase of ['Create', 'Update']) {
    expect(call(phase)).toEqual(expect.objectContaining({
      service: 'EC2',
      action: 'modifyInstanceMetadataDefaults',
      parameters: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
      physicalResourceId: { id: 'instance-metadata-defaults-eu-west-1' },
    }));
  }
  expect(call('Delete').parameters).toEqual({ HttpTokens: 'no-preference', HttpPutResponseHopLimit: -1 });
  const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
  expect(statements).toEqual([expect.objectContaining({ Action: 'ec2:ModifyInstanceMetadataDefaults', Effect: 'Allow', Resource: '*' })]);
  expect(ImdsAudit.ofStack(stack)).toEqual([]);
});

test('restoreOnDelete: false leaves the defaults in place', () => {
  const resource = Object.values(synth({ restoreOnDelete: false }).template.findResources('Custom::AWS'))[0] as any;
  expect(resource.Properties.Delete).toBeUndefined();
});
