import { } from './judged';
import { RuleCategory } from './rule';
import { RuleId } from './rule-id';
import { RuleModule } from './rule-module';
import { Severity } from '../severity';

/** `AddonNeedsImds`: its metadata, its category and what it judges. */
export const ADDON_NEEDS_IMDS: RuleModule = {
  id: RuleId.ADDON_NEEDS_IMDS,
  category: RuleCategory.ADDON,
  judges: {
    resourceTypes: ['Custom::AWSCDK-EKS-HelmChart', 'AWS::EKS::Addon'],
    kubernetesKinds: [],
  },
  defaultSeverity: Severity.WARNING,
  summary:
    'A Helm release (by chart name) or an EKS add-on (`AWS::EKS::Addon`, by `AddonName`) of an add-on known to ask ' +
    'IMDS for its region, VPC or instance (Helm: aws-load-balancer-controller, cluster-autoscaler, external-dns, ' +
    'aws-node-termination-handler, karpenter, aws-for-fluent-bit, aws-ebs-csi-driver; EKS add-ons: aws-ebs-csi-driver, ' +
    'external-dns) whose values or `ConfigurationValues` do not give what replaces it.',
  explanation:
    'At hop limit 1 a pod cannot reach IMDS, so an add-on that asks it for its region or VPC fails to start or picks ' +
    'a wrong default (us-east-1 in several charts). The upstream docs then tell users to raise the hop limit to 2, which ' +
    'hands every pod the node role again. Giving the add-on its region and VPC explicitly keeps hop limit 1 working.',
  fix:
    'Set the value the message names in the chart\'s values (for an EKS add-on, in its `ConfigurationValues`, where ' +
    'the add-on version\'s configuration schema offers the key): load balancer controller `region` and `vpcId`; ' +
    'cluster-autoscaler `awsRegion`; external-dns env `AWS_REGION`; node termination handler queue mode with ' +
    '`awsRegion` (or `useHostNetwork: true`); Karpenter `controller.env` `AWS_REGION`; aws-for-fluent-bit each ' +
    'output\'s `region`; EBS CSI `controller.region`. Or install it with this library\'s construct, which sets them.',
};
