import { Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CheckerOptions } from './checker-options';
import { auditKubernetesObjects, auditTemplate } from './engine';
import { Finding } from './finding';
import { applyCheckerOptions, validateCheckerOptions } from './options';
import { auditPaths } from './sources/audit-paths';
import { treeAuditSource } from '../private/tree-source';

/**
 * Options for `ImdsAudit`.
 */
export interface ImdsAuditOptions extends CheckerOptions {
  /**
   * Include acknowledged findings (marked `acknowledged: true`, with their reason).
   *
   * @default true
   */
  readonly includeAcknowledged?: boolean;
}

/**
 * The IMDS checker as a function, for your own `cdk synth` assertion tests:
 *
 * `expect(ImdsAudit.ofStack(stack)).toEqual([])`
 */
export class ImdsAudit {
  /**
   * The findings of one stack, judged on its synthesized template (nested stacks are stacks of
   * their own: audit them with `ofStack(nestedStack)`).
   */
  public static ofStack(stack: Stack, options: ImdsAuditOptions = {}): Finding[] {
    validateCheckerOptions(options, 'ImdsAudit.ofStack');
    const template = Template.fromStack(stack).toJSON();
    return finish(auditTemplate(template, treeAuditSource(stack)).findings, options);
  }

  /**
   * The findings of every stack of a stage or app (nested stages and nested stacks included),
   * judged on the cloud assembly it synthesizes to.
   */
  public static ofStage(stage: Stage, options: ImdsAuditOptions = {}): Finding[] {
    validateCheckerOptions(options, 'ImdsAudit.ofStage');
    const assembly = stage.synth();
    return withoutAcknowledged(auditPaths([assembly.directory], options).findings, options);
  }

  /**
   * The findings of a CloudFormation template given as an object (e.g. `Template.toJSON()` or a
   * parsed template file).
   */
  public static ofTemplate(template: any, options: ImdsAuditOptions = {}): Finding[] {
    validateCheckerOptions(options, 'ImdsAudit.ofTemplate');
    return finish(auditTemplate(template).findings, options);
  }

  /**
   * The findings of Kubernetes objects (EC2NodeClass, AWSNodeTemplate, workloads), e.g. a cdk8s
   * chart's `toJson()`.
   */
  public static ofKubernetesObjects(objects: any[], options: ImdsAuditOptions = {}): Finding[] {
    validateCheckerOptions(options, 'ImdsAudit.ofKubernetesObjects');
    return finish(auditKubernetesObjects(objects).findings, options);
  }

  private constructor() {}
}

function finish(findings: Finding[], options: ImdsAuditOptions): Finding[] {
  return withoutAcknowledged(applyCheckerOptions(findings, options), options);
}

function withoutAcknowledged(findings: Finding[], options: ImdsAuditOptions): Finding[] {
  return options.includeAcknowledged === false ? findings.filter((f) => !f.acknowledged) : findings;
}
