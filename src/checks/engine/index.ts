// The pure audit engine: synthesized CloudFormation templates and Kubernetes objects in,
// findings out. No construct tree, no file system. Never throws on any input object.
export { auditTemplate } from './template';
export { auditKubernetesObjects } from './kubernetes';
export { mergeResults } from './result';
export type { AuditResult, AuditSource } from './result';
