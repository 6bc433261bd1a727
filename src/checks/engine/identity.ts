import { propertiesOf, ROLE_TYPE, WORKLOAD_POLICY_TYPES } from './identity-index';
import { judgeRoleTrust } from './identity-trust';
import { IssueCollector } from './issues';
import { judgeNodeRole } from './node-role';
import { TemplateContext } from './values';
import { judgeWorkloadPolicyResource, judgeWorkloadRolePolicies } from './workload-policy';

/**
 * The identity rules' judges, by resource type. Roles carry the trust rules, the node-role rule
 * and the rule on their inline policies; policy resources carry the rule on their own document
 * when they are attached to a Pod Identity or IRSA role.
 */
export const IDENTITY_JUDGES: Record<string, (ctx: TemplateContext, properties: unknown, issues: IssueCollector, logicalId: string) => void> = {
  [ROLE_TYPE]: (ctx, props, issues, logicalId) => {
    const properties = propertiesOf({ Properties: props });
    judgeRoleTrust(ctx, logicalId, issues);
    judgeNodeRole(ctx, logicalId, properties, issues);
    judgeWorkloadRolePolicies(ctx, logicalId, properties, issues);
  },
  ...Object.fromEntries(WORKLOAD_POLICY_TYPES.map((type) => [type,
    (ctx: TemplateContext, props: unknown, issues: IssueCollector, logicalId: string) =>
      judgeWorkloadPolicyResource(ctx, logicalId, propertiesOf({ Properties: props }), issues)])),
};
