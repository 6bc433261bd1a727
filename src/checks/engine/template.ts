import { AuditResult, AuditSource } from './result';
export function auditTemplate(_template: unknown, _source: AuditSource = {}): AuditResult {
  throw new Error('not yet implemented');
}
