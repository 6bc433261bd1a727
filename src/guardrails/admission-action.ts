/** What the API server does with an object a policy rejects. */
export class AdmissionAction {
  /** Refuse the request (the default). */
  public static readonly DENY = 'Deny';
  /** Let it through with a warning to the client, and record it in the audit log: for a migration. */
  public static readonly WARN_AND_AUDIT = 'WarnAndAudit';

  private constructor() {}
}
