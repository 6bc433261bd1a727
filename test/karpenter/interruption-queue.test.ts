process.env.CDK_VALIDATION = 'false';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { KarpenterInterruptionQueue } from '../../src/karpenter/interruption-queue';

function build(props?: ConstructorParameters<typeof KarpenterInterruptionQueue>[2]) {
  const app = new App();
  const stack = new Stack(app, 'Stack');
  const interruption = new KarpenterInterruptionQueue(stack, 'Interruption', props);
  return { stack, interruption, template: Template.fromStack(stack) };
}

// Typed out here, independently of the source: a typo in either fails the test.
const EXPECTED_PATTERNS = [
  { 'source': ['aws.health'], 'detail-type': ['AWS Health Event'] },
  { 'source': ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] },
  { 'source': ['aws.ec2'], 'detail-type': ['EC2 Instance Rebalance Recommendation'] },
  { 'source': ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] },
  { 'source': ['aws.ec2'], 'detail-type': ['EC2 Capacity Reservation Instance Interruption Warning'] },
];

describe('KarpenterInterruptionQueue', () => {
  const { stack, interruption, template } = build();
  const queueId = stack.resolve((interruption.queue.node.defaultChild as sqs.CfnQueue).logicalId);
  const queueArn = { 'Fn::GetAtt': [queueId, 'Arn'] };
  const rules = Object.entries<any>(template.findResources('AWS::Events::Rule'));
  const queuePolicy = Object.values<any>(template.findResources('AWS::SQS::QueuePolicy'));

  test('the queue keeps messages 300 seconds and is encrypted with SQS-managed keys', () => {
    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 300,
      SqsManagedSseEnabled: true,
      KmsMasterKeyId: Match.absent(),
    });
  });

  test('exactly five rules, with the exact source and detail-type of each event Karpenter handles', () => {
    const patterns = rules.map(([, rule]) => rule.Properties.EventPattern);
    expect(patterns).toHaveLength(5);
    expect(patterns).toEqual(expect.arrayContaining(EXPECTED_PATTERNS));
    // Nothing but source and detail-type: any other field would narrow the match.
    for (const pattern of patterns) {
      expect(Object.keys(pattern).sort()).toEqual(['detail-type', 'source']);
    }
  });

  test('one rule per event type: no detail-type is routed twice or left out', () => {
    const detailTypes = rules.map(([, rule]) => rule.Properties.EventPattern['detail-type'][0]);
    expect(new Set(detailTypes).size).toBe(5);
    expect(detailTypes.sort()).toEqual(EXPECTED_PATTERNS.map((p) => p['detail-type'][0]).sort());
  });

  test('every rule is enabled and targets the queue, and only the queue', () => {
    expect(rules).toHaveLength(5);
    for (const [, rule] of rules) {
      expect(rule.Properties.State).toBe('ENABLED');
      expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: queueArn })]);
    }
    expect(interruption.rules).toHaveLength(5);
  });

  test('the queue policy denies every sqs action without TLS', () => {
    expect(queuePolicy).toHaveLength(1);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'sqs:*',
          Resource: queueArn,
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }]),
      },
    });
  });

  test('EventBridge may send messages only for the five rules', () => {
    const ruleArns = rules.map(([id]) => ({ 'Fn::GetAtt': [id, 'Arn'] }));
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: queueArn,
          Condition: { ArnEquals: { 'aws:SourceArn': Match.arrayEquals(ruleArns) } },
        })]),
      },
    });
  });

  test('SQS may send messages, as in Karpenter\'s template', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Allow',
          Principal: { Service: 'sqs.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: queueArn,
        })]),
      },
    });
  });

  test('the queue policy allows nothing but sendMessage', () => {
    const allows = queuePolicy[0].Properties.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Allow');
    expect(allows).toHaveLength(2);
    for (const statement of allows) {
      expect(statement.Action).toBe('sqs:SendMessage');
      expect(statement.Principal.AWS).toBeUndefined();
    }
  });
});

test('the retention period can be changed', () => {
  const { template } = build({ retentionPeriod: Duration.minutes(10) });
  template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 600 });
});
