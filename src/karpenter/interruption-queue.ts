import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * The events Karpenter handles, as its getting-started CloudFormation template routes them: one
 * EventBridge rule per source and detail-type. The strings must match exactly: EventBridge drops
 * whatever a pattern does not match, without an error anywhere.
 */
const INTERRUPTION_EVENTS: ReadonlyArray<{ readonly id: string; readonly source: string; readonly detailType: string }> = [
  { id: 'ScheduledChangeRule', source: 'aws.health', detailType: 'AWS Health Event' },
  { id: 'SpotInterruptionRule', source: 'aws.ec2', detailType: 'EC2 Spot Instance Interruption Warning' },
  { id: 'RebalanceRule', source: 'aws.ec2', detailType: 'EC2 Instance Rebalance Recommendation' },
  { id: 'InstanceStateChangeRule', source: 'aws.ec2', detailType: 'EC2 Instance State-change Notification' },
  { id: 'CapacityReservationInterruptionRule', source: 'aws.ec2', detailType: 'EC2 Capacity Reservation Instance Interruption Warning' },
];

/**
 * Properties of a `KarpenterInterruptionQueue`.
 */
export interface KarpenterInterruptionQueueProps {
  /**
   * How long a message stays in the queue. Interruption notices are useless after two minutes
   * (a Spot interruption warning precedes the reclaim by two minutes).
   *
   * @default Duration.seconds(300), as in Karpenter's getting-started template
   */
  readonly retentionPeriod?: Duration;
}

/**
 * The SQS queue Karpenter reads interruption events from, with the five EventBridge rules that
 * feed it (AWS Health scheduled changes, Spot interruption warnings, rebalance recommendations,
 * instance state changes, capacity reservation interruption warnings).
 *
 * As in Karpenter's getting-started template: SQS-managed server-side encryption, a queue policy
 * that lets `events.amazonaws.com` and `sqs.amazonaws.com` send messages and denies every `sqs:*`
 * request made without TLS. One tightening: EventBridge may send only on behalf of the five rules
 * (`aws:SourceArn`), so no other account's rule can forge interruption events that would make
 * Karpenter drain and terminate nodes.
 *
 * Give the queue's *name* to the controller (`settings.interruptionQueue`), and let the
 * controller's role delete, receive and look up messages on it (the `Karpenter` construct does both).
 */
export class KarpenterInterruptionQueue extends Construct {
  /** The queue. */
  public readonly queue: sqs.IQueue;
  /** The EventBridge rules that send to the queue, one per event type. */
  public readonly rules: events.IRule[];

  constructor(scope: Construct, id: string, props: KarpenterInterruptionQueueProps = {}) {
    super(scope, id);
    const queue = new sqs.Queue(this, 'Queue', {
      retentionPeriod: props.retentionPeriod ?? Duration.seconds(300),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      // Deny sqs:* when aws:SecureTransport is false.
      enforceSSL: true,
    });
    this.queue = queue;

    const target: events.IRuleTarget = { bind: () => ({ arn: queue.queueArn }) };
    const rules = INTERRUPTION_EVENTS.map(({ id: ruleId, source, detailType }) => new events.Rule(this, ruleId, {
      description: `Karpenter interruption handling: ${source} "${detailType}" events to the interruption queue`,
      eventPattern: { source: [source], detailType: [detailType] },
      targets: [target],
    }));
    this.rules = rules;

    queue.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'EventBridgeRulesSendInterruptionEvents',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
      conditions: { ArnEquals: { 'aws:SourceArn': rules.map((rule) => rule.ruleArn) } },
    }));
    queue.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'SqsSendMessage',
      principals: [new iam.ServicePrincipal('sqs.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
    }));
  }
}
