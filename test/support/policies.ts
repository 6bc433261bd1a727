/** A rendered value with `arn:${AWS::Partition}:` joins written back as `arn:aws:` text. */
export function withAwsPartition(v: any): any {
  if (Array.isArray(v)) return v.map(withAwsPartition);
  if (v && typeof v === 'object') {
    const join = v['Fn::Join'];
    if (Array.isArray(join) && join[0] === '' && join[1].every((p: any) => typeof p === 'string' || p?.Ref === 'AWS::Partition')) {
      return join[1].map((p: any) => (typeof p === 'string' ? p : 'aws')).join('');
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withAwsPartition(x)]));
  }
  return v;
}

/** A policy document's statements with Action and Resource as sorted lists (aws-cdk-lib writes one item as the item). */
export function normalizedStatements(document: any): any[] {
  return document.Statement.map((s: any) => ({
    ...s, Action: [s.Action].flat().sort(), ...(s.Resource !== undefined ? { Resource: [s.Resource].flat().sort() } : {}),
  }));
}
