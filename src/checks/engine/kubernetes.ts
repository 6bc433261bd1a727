import { AuditResult, AuditSource } from './result';
export function auditKubernetesObjects(_objects: unknown[], _source: AuditSource = {}): AuditResult {
  throw new Error('not yet implemented');
}
