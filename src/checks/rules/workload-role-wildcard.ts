import { } from './judged';
import { RuleCategory } from './rule';
import { RuleId } from './rule-id';
import { RuleModule } from './rule-module';
import { Severity } from '../severity';

/** `WorkloadRoleWildcard`: its metadata, its category and what it judges. */
export const WORKLOAD_ROLE_WILDCARD: RuleModule = {
  id: RuleId.WORKLOAD_ROLE_WILDCARD,
  category: RuleCategory.IDENTITY,
  judges: {
    resourceTypes: ['AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::RolePolicy'],
    kubernetesKinds: [],
  },
  defaultSeverity: Severity.WARNING,
  summary:
    'A Pod Identity or IRSA role (as its trust says) has a policy that allows every action (`*`, `service:*`, ' +
    '`NotAction`, or an AWS managed `AdministratorAccess` / `PowerUserAccess` / `*FullAccess` policy), or mutating ' +
    'actions (other than Get / List / Describe / Head) on `Resource: "*"` with no Condition. Reported on the role ' +
    'for inline policies and managed policy ARNs, on the policy resource for an attached AWS::IAM::Policy / ' +
    'ManagedPolicy / RolePolicy.',
  explanation:
    'Pod Identity and IRSA exist to give each workload only what it needs. A wildcard grant makes a compromised ' +
    'pod as powerful as the service (or account) allows, and the workload\'s blast radius is no longer visible in ' +
    'its policy.',
  fix:
    'List the actions the workload calls and scope them to its resources (e.g. `bucket.grantReadWrite(identity)`), ' +
    'or add a Condition that scopes a grant that must stay on `*`; acknowledge the finding with the reason when a ' +
    'service has no resource-level permissions for the action.',
};
